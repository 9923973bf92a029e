package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

// TestBuiltInCPUTrainerEndToEnd trains with the local worker's built-in CPU
// trainer (this test binary stands in for tessera: see TestMain), then lays
// the model's predictions over the image. How well it learns is tested in
// gpuagent/trainers/cpu; here, that every piece meets: job, metrics,
// evaluation, model files, predictions.
func TestBuiltInCPUTrainerEndToEnd(t *testing.T) {
	data := t.TempDir()
	labelledProject(t, data)
	r := run(t, data, "train", "--project", "1", "--set", "epochs=2", "--set", "input_size=64", "--set", "batch_size=2", "--follow")
	if r.code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Epoch [2/2]: Training Status") || !strings.Contains(r.stdout, "- Class IoU [cell]:") {
		t.Fatalf("log:\n%s", r.stdout)
	}
	var list struct{ Jobs []backend.Job }
	decodeJSON(t, run(t, data, "jobs", "list", "--json").stdout, &list)
	j := list.Jobs[0]
	if j.Status != "COMPLETED" || j.Trainer != "cpu" || j.Epochs != 2 || j.BestValIoU == nil {
		t.Fatalf("job %+v", j)
	}
	dir := filepath.Join(data, "projects", "project-1", "ml", "pipelines", "pipeline-"+j.PipelineID, "trainingjob-"+j.ID)
	for _, f := range []string{"models/model.json", "models/best.safetensors", "models/last.safetensors", "metrics.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("results: %v", err)
		}
	}
	out := t.TempDir()
	r = run(t, data, "predict", "--model", j.ID, "--project", "1", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "cell.png: 200 × 200 predicted") {
		t.Fatalf("predict: %+v", r)
	}
	for _, f := range []string{"cell_mask.png", "cell_overlay.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("predict output: %v", err)
		}
	}

	// Share the model with another Tessera, which predicts with it.
	zip := filepath.Join(t.TempDir(), "model.zip")
	if r := run(t, data, "model", "export", j.ID, "--out", zip); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	other := t.TempDir()
	labelledProject(t, other)
	var imported backend.Job
	r = run(t, other, "model", "import", "--project", "1", zip, "--json")
	decodeJSON(t, r.stdout, &imported)
	if r.code != 0 || imported.Status != "COMPLETED" {
		t.Fatalf("import: %+v", r)
	}
	if r := run(t, other, "predict", "--model", imported.ID, "--project", "1"); r.code != 0 || !strings.Contains(r.stdout, "predicted") {
		t.Fatalf("predict with the imported model: %+v", r)
	}
	bad := filepath.Join(t.TempDir(), "bad.zip")
	os.WriteFile(bad, []byte("PK not really"), 0o644)
	if r := run(t, other, "model", "import", "--project", "1", bad); r.code != 1 || !strings.Contains(r.stderr, "not a model file") {
		t.Fatalf("bad model file: %+v", r)
	}

	// Deleting the job takes its folder and its predictions over the image.
	preds, _ := filepath.Glob(filepath.Join(data, "projects", "project-1", ".viewer", "image-*", "predictions", j.ID))
	if len(preds) != 1 {
		t.Fatalf("the prediction's folder: %v", preds)
	}
	if r := run(t, data, "jobs", "delete", j.ID); r.code != 0 {
		t.Fatalf("delete: %+v", r)
	}
	for _, gone := range []string{dir, preds[0]} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the job's deletion: %v", gone, err)
		}
	}
}
