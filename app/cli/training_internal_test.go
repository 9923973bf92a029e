package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/training"
	"github.com/tessera-lab/tessera/gpuagent/agent"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu"
)

// fakeSchema lets a job tell the fake trainer what to do.
var fakeSchema = jobproto.Schema{
	{Name: "behaviour", Type: jobproto.TypeString, Label: "Behaviour", Default: "train"},
	{Name: "epochs", Type: jobproto.TypeInteger, Label: "Epochs", Default: int64(2)},
	{Name: "rate", Type: jobproto.TypeInteger, Label: "Lines per second", Default: int64(0)},
	{Name: "seconds", Type: jobproto.TypeFloat, Label: "Seconds", Default: 0.0},
}

func buildFake(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "faketrainer")
	if out, err := exec.Command("go", "build", "-o", bin, "../../gpuagent/agent/testdata/faketrainer").CombinedOutput(); err != nil {
		t.Fatalf("build faketrainer: %v\n%s", err, out)
	}
	return bin
}

// prepare makes a labelled project in data through the CLI.
func prepare(t *testing.T, data string) {
	t.Helper()
	src := t.TempDir()
	var o, e bytes.Buffer
	env := Env{Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }}
	must := func(args ...string) {
		if code := Run(context.Background(), append(args, "--data", data), env); code != 0 {
			t.Fatalf("%v: %d\n%s%s", args, code, o.String(), e.String())
		}
	}
	must("project", "create", "--name", "P")
	writeTestPNG(t, filepath.Join(src, "a.png"))
	must("import", "--project", "1", "--tile", "64", src)
	os.WriteFile(filepath.Join(src, "schema.json"), []byte(`{"label_class_groups":[{"group_name":"g","group_classes":[{"name":"x","human_name":"X","colours":{"default":[1,2,3]}}]}]}`), 0o644)
	os.WriteFile(filepath.Join(src, "a__labels.json"), []byte(`{"complete":true,"labels":[{"label_type":"polygon","object_id":"1","label_class":"x","regions":[[{"x":5,"y":5},{"x":100,"y":5},{"x":100,"y":100}]]}]}`), 0o644)
	must("labels", "import", "--project", "1", "--schema", filepath.Join(src, "schema.json"), filepath.Join(src, "a__labels.json"))
}

func writeTestPNG(t *testing.T, path string) {
	img := image.NewGray(image.Rect(0, 0, 128, 128))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 251)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// startApp opens Tessera on data as the app does: its broker (listening
// on listen for agents, when set), the background work and the training
// side with a local worker offering trainers.
func startApp(t *testing.T, data, listen, token string, trainers []agent.Trainer) *Instance {
	t.Helper()
	inst, err := open(context.Background(), &common{data: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.startBroker(context.Background(), listen, token); err != nil {
		t.Fatal(err)
	}
	if err := inst.startBackground(context.Background()); err != nil {
		t.Fatal(err)
	}
	inst.startTraining(context.Background(), trainers)
	return inst
}

func waitJob(t *testing.T, inst *Instance, id string, cond func(*backend.Job) bool) *backend.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j, err := inst.DB.FindJob(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out; job %+v", j)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestAppRestartMidJobLosesAndDoublesNoLine: a remote agent trains while
// the app (and the broker it hosts) stops and starts again; every log line
// is stored exactly once, in the database and in train.log.
func TestAppRestartMidJobLosesAndDoublesNoLine(t *testing.T) {
	data := t.TempDir()
	prepare(t, data)
	bin := buildFake(t)
	addr, token := freePort(t), "a-long-enough-agent-token"
	start := func() *Instance { return startApp(t, data, addr, token, nil) }
	inst := start()
	actx, stop := context.WithCancel(context.Background())
	agentDone := make(chan error, 1)
	go func() {
		agentDone <- agent.Run(actx, agent.Config{Broker: "nats://" + addr, Token: token, Name: "gpu-box", Pool: "gpu",
			WorkDir: t.TempDir(), Trainers: []agent.Trainer{agent.ProcessTrainer{Path: bin,
				TrainerInfo: jobproto.TrainerInfo{Name: "fake", ConfigSchema: fakeSchema}}}})
	}()
	defer func() { stop(); <-agentDone }()
	req := training.JobRequest{ProjectID: 1, Worker: "gpu-box", Config: map[string]any{"behaviour": "paced", "rate": 200, "seconds": 4.0}}
	if err := waitForWorker(context.Background(), inst, req); err != nil {
		t.Fatal(err)
	}
	j, err := inst.Training.CreateJob(context.Background(), "test", req)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, inst, j.ID, func(j *backend.Job) bool { return j.Status == jobproto.StatusProcessing })
	time.Sleep(1200 * time.Millisecond) // some lines stored, more to come
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond) // the agent keeps training meanwhile
	inst = start()
	defer inst.Close()
	j = waitJob(t, inst, j.ID, func(j *backend.Job) bool { return jobproto.Terminal(j.Status) })
	if j.Status != jobproto.StatusCompleted || j.Attempt != 1 {
		t.Fatalf("job %+v", j)
	}
	// Events taken but not acknowledged when the app stopped come back
	// after the ack wait: wait for every trainer line, then check that each
	// is there exactly once.
	var lines []backend.JobLogLine
	seen := map[int]int{}
	deadline := time.Now().Add(40 * time.Second)
	for {
		var err error
		if lines, err = inst.DB.JobLogs(context.Background(), j.ID, 0, 0, 1<<20); err != nil {
			t.Fatal(err)
		}
		seen = map[int]int{}
		for _, l := range lines {
			var n int
			var ts int64
			if _, err := fmt.Sscanf(l.Text, "line %d %d", &n, &ts); err == nil {
				seen[n]++
			}
		}
		if len(seen) >= 800 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, l := range lines {
		if l.Seq != int64(i+1) || l.Attempt != 1 {
			t.Fatalf("line %d has attempt %d seq %d: lost or doubled", i, l.Attempt, l.Seq)
		}
	}
	paced := len(seen)
	for n := 1; n <= 800; n++ { // 200 a second for 4 s
		if seen[n] != 1 {
			t.Fatalf("trainer line %d stored %d times", n, seen[n])
		}
	}
	time.Sleep(300 * time.Millisecond) // the last write of train.log
	log, _ := os.ReadFile(inst.Training.LogPath(j))
	if got := strings.Count(string(log), "\n"); got != len(lines) {
		t.Fatalf("train.log has %d lines, the database %d", got, len(lines))
	}
	t.Logf("%d lines, %d paced, exactly once", len(lines), paced)
}

// TestCancelStopsARunningJob and withdraws a queued one.
func TestCancelStopsARunningJob(t *testing.T) {
	data := t.TempDir()
	prepare(t, data)
	bin := buildFake(t)
	inst := startApp(t, data, "", "", []agent.Trainer{agent.ProcessTrainer{Path: bin,
		TrainerInfo: jobproto.TrainerInfo{Name: "fake", ConfigSchema: fakeSchema}}})
	defer inst.Close()
	req := training.JobRequest{ProjectID: 1, Worker: LocalWorker, Config: map[string]any{"behaviour": "hang"}}
	if err := waitForWorker(context.Background(), inst, req); err != nil {
		t.Fatal(err)
	}
	running, err := inst.Training.CreateJob(context.Background(), "test", req)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, inst, running.ID, func(j *backend.Job) bool { return j.Status == jobproto.StatusProcessing })
	// A second job waits in the queue: the local worker runs one at a time.
	queued, err := inst.Training.CreateJob(context.Background(), "test", req)
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Training.Cancel(context.Background(), "prof", queued.ID); err != nil {
		t.Fatal(err)
	}
	q := waitJob(t, inst, queued.ID, func(j *backend.Job) bool { return jobproto.Terminal(j.Status) })
	if q.Status != jobproto.StatusCancelled || !strings.Contains(q.Error, "before an agent ran it") {
		t.Fatalf("queued job %+v", q)
	}
	// A project whose job runs is not deleted from under it.
	if err := inst.Projects.DeleteProject(context.Background(), 1); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("deleting the project of a running job: %v", err)
	}
	began := time.Now()
	if err := inst.Training.Cancel(context.Background(), "prof", running.ID); err != nil {
		t.Fatal(err)
	}
	r := waitJob(t, inst, running.ID, func(j *backend.Job) bool { return jobproto.Terminal(j.Status) })
	if r.Status != jobproto.StatusCancelled {
		t.Fatalf("running job %+v", r)
	}
	t.Logf("cancelled in %v", time.Since(began).Round(time.Millisecond))
	if err := inst.Training.Delete(context.Background(), running.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.DB.FindJob(context.Background(), running.ID); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Fatalf("deleted job still there: %v", err)
	}
	// With every job ended the project goes, and its jobs' objects leave
	// the broker (the cancelled queued job's training set here).
	sets, err := inst.Broker.JetStream().ObjectStore(context.Background(), broker.BucketTrainingSets)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sets.GetInfo(context.Background(), queued.ID+".tar.gz"); err != nil {
		t.Fatalf("the queued job's training set before: %v", err)
	}
	if err := inst.Projects.DeleteProject(context.Background(), 1); err != nil {
		t.Fatalf("deleting the project: %v", err)
	}
	if _, err := sets.GetInfo(context.Background(), queued.ID+".tar.gz"); err == nil {
		t.Fatal("the deleted project's training set is still in the broker")
	}
}

// Closing the app mid-training stops its local worker's CPU trainer; the
// job goes back to the queue and, when the app opens again, continues from
// its last checkpoint instead of starting over.
func TestReopenedAppResumesTheLocalJob(t *testing.T) {
	data := t.TempDir()
	prepare(t, data)
	start := func() *Instance { return startApp(t, data, "", "", builtinTrainers()) }
	inst := start()
	const epochs = 6
	req := training.JobRequest{ProjectID: 1, Worker: LocalWorker, Trainer: "cpu",
		Config: map[string]any{"epochs": epochs, "input_size": "64", "model_architecture": "unet-small", "batch_size": 1}}
	if err := waitForWorker(context.Background(), inst, req); err != nil {
		t.Fatal(err)
	}
	j, err := inst.Training.CreateJob(context.Background(), "test", req)
	if err != nil {
		t.Fatal(err)
	}
	logged := func(inst *Instance, attempt int, text string) bool {
		lines, err := inst.DB.JobLogs(context.Background(), j.ID, 0, 0, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if l.Attempt == attempt && strings.HasPrefix(l.Text, text) {
				return true
			}
		}
		return false
	}
	waitJob(t, inst, j.ID, func(*backend.Job) bool { return logged(inst, 1, "Checkpoint of epoch 2 saved") })
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	inst = start()
	defer inst.Close()
	done := waitJob(t, inst, j.ID, func(j *backend.Job) bool { return jobproto.Terminal(j.Status) })
	if done.Status != jobproto.StatusCompleted || done.Attempt != 2 {
		t.Fatalf("after reopening: %s, attempt %d", done.Status, done.Attempt)
	}
	if !logged(inst, 2, "Resuming from the checkpoint of epoch") || logged(inst, 2, "Epoch 1 done") {
		t.Error("the second attempt started over instead of resuming")
	}
	ms, err := inst.DB.JobMetrics(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, m := range ms {
		if m.Attempt == 2 {
			seen[m.Epoch] = true
		}
	}
	if len(seen) != epochs {
		t.Errorf("attempt 2 reports %d of %d epochs", len(seen), epochs)
	}

	// The job's details say what its model is and whether the app can
	// predict whole images with it (a GPU trainer's: no).
	var d *training.JobDetail
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if d, err = inst.Training.Detail(context.Background(), j.ID); err != nil || d.Model != nil {
			break
		}
	}
	if err != nil || d.Model == nil || !d.Model.RunsHere || d.Model.ONNX || d.Model.Format != cpu.ModelFormat {
		t.Fatalf("model of a CPU job: %+v %v", d.Model, err)
	}
	models := filepath.Join(inst.Training.JobDir(done), "models")
	os.WriteFile(filepath.Join(models, "model.json"), []byte(`{"format":"tessera-upernet-convnext/1","trainer":"tessera pytorch trainer","onnx":{"file":"model.onnx"}}`), 0o644)
	os.WriteFile(filepath.Join(models, "model.onnx"), []byte("onnx"), 0o644)
	if d, err = inst.Training.Detail(context.Background(), j.ID); err != nil || d.Model == nil || d.Model.RunsHere || !d.Model.ONNX {
		t.Fatalf("model of a GPU job: %+v %v", d.Model, err)
	}
}

// The train form's check answers a refused request with its reasons, as
// an error response (it once crashed reading the trainer it did not get).
func TestJobCheckAnswersARefusalWithItsReasons(t *testing.T) {
	inst := startApp(t, t.TempDir(), "", "", builtinTrainers())
	defer inst.Close()
	ctx := context.Background()
	p := &backend.Project{Name: "Check"}
	if err := inst.Projects.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(inst.APIHandler(api.ModeDesktop))
	defer srv.Close()
	for _, body := range []string{`{}`, `{"worker":"nobody","config":{"epochs":"many"}}`} {
		resp, err := http.Post(srv.URL+"/api/projects/"+strconv.FormatInt(p.ID, 10)+"/jobs/check", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || e.Error.Message == "" {
			t.Errorf("check %s: %d %+v, want a 4xx saying why", body, resp.StatusCode, e)
		}
	}
}
