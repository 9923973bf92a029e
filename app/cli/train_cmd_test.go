package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

var (
	fakeOnce sync.Once
	fakeBin  string
	fakeErr  error
)

// fakeTrainer builds the agent tests' trainer program once: it speaks the
// trainer contract and does what its config says.
func fakeTrainer(t *testing.T) string {
	fakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "faketrainer")
		if err != nil {
			fakeErr = err
			return
		}
		fakeBin = filepath.Join(dir, "faketrainer")
		out, err := exec.Command("go", "build", "-o", fakeBin, "../../gpuagent/agent/testdata/faketrainer").CombinedOutput()
		if err != nil {
			fakeErr = &buildError{string(out)}
		}
	})
	if fakeErr != nil {
		t.Fatal(fakeErr)
	}
	return fakeBin
}

type buildError struct{ out string }

func (e *buildError) Error() string { return "build faketrainer: " + e.out }

// labelledProject makes a project with one image in 4 tiles, a schema and
// whole-image labels marked complete.
func labelledProject(t *testing.T, data string) {
	src := t.TempDir()
	run(t, data, "project", "create", "--name", "Cells")
	writePNG(t, filepath.Join(src, "cell.png"), 200, 200)
	if r := run(t, data, "import", "--project", "1", "--tile", "100", src); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	os.WriteFile(filepath.Join(src, "schema.json"), []byte(`{"label_class_groups":[{"group_name":"g","group_classes":[
	  {"name":"cell","human_name":"Cell","colours":{"default":[0,255,0]}}]}]}`), 0o644)
	os.WriteFile(filepath.Join(src, "cell__labels.json"), []byte(`{"image_filename":"cell.png","complete":true,"labels":[
	  {"label_type":"polygon","object_id":"1","label_class":"cell","regions":[[{"x":20,"y":20},{"x":180,"y":20},{"x":180,"y":180},{"x":20,"y":180}]]}]}`), 0o644)
	if r := run(t, data, "labels", "import", "--project", "1", "--schema", filepath.Join(src, "schema.json"), filepath.Join(src, "cell__labels.json")); r.code != 0 {
		t.Fatalf("labels: %+v", r)
	}
}

func TestTrainFollowsAJobToTheEnd(t *testing.T) {
	data := t.TempDir()
	labelledProject(t, data)
	bin := fakeTrainer(t)

	r := run(t, data, "train", "--project", "1", "--trainer", "fake="+bin, "--trainer-name", "fake", "--set", "epochs=3", "--follow")
	if r.code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Epoch [3/3]: Training Status", "- Val IoU:", "training done", "COMPLETED"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the followed log lacks %q:\n%s", want, r.stdout)
		}
	}
	var list struct{ Jobs []backend.Job }
	decodeJSON(t, run(t, data, "jobs", "list", "--json").stdout, &list)
	if len(list.Jobs) != 1 {
		t.Fatalf("jobs: %+v", list)
	}
	j := list.Jobs[0]
	if j.Status != "COMPLETED" || j.Epoch != 3 || j.Epochs != 3 || j.LastValIoU == nil || j.Worker != "local" || j.Progress != 1 {
		t.Fatalf("job %+v", j)
	}
	var d struct {
		Transitions []backend.JobTransition
		Metrics     []backend.JobMetric
	}
	decodeJSON(t, run(t, data, "jobs", "show", j.ID, "--json").stdout, &d)
	var states []string
	for _, tr := range d.Transitions {
		states = append(states, tr.Status)
		if tr.Reason == "" { // every change is stored with its reason
			t.Errorf("the change to %s has no reason", tr.Status)
		}
	}
	if strings.Join(states, ",") != "PENDING,STARTED,PROCESSING,COMPLETED" || len(d.Metrics) != 3 {
		t.Fatalf("transitions %v, %d metrics", states, len(d.Metrics))
	}
	// The spec's folder, with the training set, the log and the results.
	dir := filepath.Join(data, "projects", "project-1", "ml", "pipelines", "pipeline-"+j.PipelineID, "trainingjob-"+j.ID)
	for _, f := range []string{"config.json", "metadata.json", "images/cell_r000_c000.png", "masks/cell_r001_c001.png", "labels/cell_r000_c000__labels.json", "train.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("job folder: %v", err)
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "train.log"))
	if strings.Count(string(log), "Training Status") != 3 || !strings.Contains(string(log), "training done") {
		t.Fatalf("train.log:\n%s", log)
	}
}

func TestTrainReportsFailures(t *testing.T) {
	data := t.TempDir()
	labelledProject(t, data)
	bin := fakeTrainer(t)
	r := run(t, data, "train", "--project", "1", "--trainer", "fake="+bin, "--set", "epochs=many", "--json")
	if r.code != 1 || !strings.Contains(r.stderr, "epochs") {
		t.Fatalf("bad config: %+v", r)
	}
	r = run(t, data, "train", "--project", "1", "--worker", "gpu-box", "--trainer", "fake="+bin)
	if r.code != 1 || !strings.Contains(r.stderr, `no worker named "gpu-box"`) {
		t.Fatalf("unknown worker: %+v", r)
	}
	empty := t.TempDir()
	run(t, empty, "project", "create", "--name", "Empty")
	r = run(t, empty, "train", "--project", "1", "--trainer", "fake="+bin)
	if r.code != 1 || !strings.Contains(r.stderr, "no label classes") {
		t.Fatalf("nothing to train on: %+v", r)
	}
}

// A job queued with `tessera train` (no --follow) waits for the app: a
// command that only looks (workers) or deletes does not take it up, and
// the project of an unfinished job is not deleted from under it.
func TestCommandsThatOnlyLookLeaveQueuedJobsAlone(t *testing.T) {
	data := t.TempDir()
	labelledProject(t, data)
	r := run(t, data, "train", "--project", "1", "--set", "epochs=2", "--set", "input_size=64", "--json")
	if r.code != 0 || !strings.Contains(r.stderr, "runs when Tessera is open on this data folder") {
		t.Fatalf("train: %+v", r)
	}
	var j backend.Job
	decodeJSON(t, r.stdout, &j)
	for _, args := range [][]string{{"workers"}, {"project", "delete", "1"}} {
		r := run(t, data, args...)
		if args[0] == "project" && (r.code != 1 || !strings.Contains(r.stderr, "training jobs not finished (1): cancel them first")) {
			t.Errorf("project delete: %+v", r)
		}
	}
	var d struct{ Job backend.Job }
	decodeJSON(t, run(t, data, "jobs", "show", j.ID, "--json").stdout, &d)
	if d.Job.Status != "PENDING" || d.Job.Attempt != 0 {
		t.Fatalf("the queued job after the commands: %+v", d.Job)
	}
	if _, err := os.Stat(filepath.Join(data, "projects", "project-1")); err != nil {
		t.Fatalf("project folder: %v", err)
	}
}
