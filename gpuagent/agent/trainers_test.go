//go:build unix

package agent

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu/synth"
)

// synthSet writes a synthetic trainingjob (discs and squares) and puts it
// in the trainingsets bucket as name.
func (e *env) synthSet(name string, o synth.Options) {
	e.t.Helper()
	dir := e.t.TempDir()
	if err := synth.Write(dir, o, nil); err != nil {
		e.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := dataset.Pack(dir, &buf); err != nil {
		e.t.Fatal(err)
	}
	obs, err := e.js.ObjectStore(testCtx(e.t), broker.BucketTrainingSets)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := obs.PutBytes(testCtx(e.t), name, buf.Bytes()); err != nil {
		e.t.Fatal(err)
	}
}

// lineMatching reports whether an attempt printed a line matching re.
func (w *watch) lineMatching(attempt int, re *regexp.Regexp) bool {
	for _, l := range w.logs {
		if l.Attempt != attempt {
			continue
		}
		for _, line := range l.Lines {
			if re.MatchString(line.Text) {
				return true
			}
		}
	}
	return false
}

var resumedRe = regexp.MustCompile(`^Resuming from the checkpoint of epoch 2\b`)

// killAndResume runs a real trainer's job on a gpuagent binary, kills the
// agent (SIGKILL: no goodbye) once epoch 2's checkpoint is saved, and
// starts a new agent on the same work folder: the redelivered job must
// continue at epoch 3, report every epoch again, complete, and leave no
// checkpoints behind. It returns the watch of the job's events.
func killAndResume(t *testing.T, e *env, jobID, trainer string, cfg map[string]any, set synth.Options, extra ...string) *watch {
	t.Helper()
	work := t.TempDir()
	ready := regexp.MustCompile(`agent box .* ready`)
	args := append([]string{"--broker", e.b.ClientURL(), "--token", testToken, "--name", "box",
		"--workdir", work, "--ack-wait", "4s"}, extra...)
	first := startBinary(t, ready, args...)
	first.waitHit(t, 3*time.Minute)

	w := e.watch(jobID)
	e.synthSet("set-"+jobID, set)
	e.publishJob(jobproto.JobMessage{JobID: jobID, Trainer: trainer, Config: cfg, TrainingSet: "set-" + jobID}, "")
	saved := regexp.MustCompile(`^Checkpoint of epoch 2 saved`)
	w.waitFor(5*time.Minute, "epoch 2's checkpoint", func(w *watch) bool {
		return w.lineMatching(1, saved) || slices.ContainsFunc(w.statuses, func(s jobproto.StatusEvent) bool { return jobproto.Terminal(s.Status) })
	})
	w.mu.Lock()
	if !w.lineMatching(1, saved) {
		t.Fatalf("the job ended before epoch 2's checkpoint; last lines:\n%s", strings.Join(w.lastLines(30), "\n"))
	}
	w.mu.Unlock()
	first.cmd.Process.Kill()
	first.cmd.Wait()

	second := startBinary(t, ready, args...)
	second.waitHit(t, 3*time.Minute)
	w.waitStatus(5*time.Minute, 2, jobproto.StatusCompleted)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.lineMatching(2, resumedRe) {
		t.Errorf("attempt 2 did not resume from epoch 2; its last lines:\n%s", strings.Join(w.lastLines(30), "\n"))
	}
	var epochs []int
	for _, m := range w.metrics {
		if m.Attempt == 2 && !slices.Contains(epochs, m.Epoch) {
			epochs = append(epochs, m.Epoch)
		}
	}
	if want := []int{1, 2, 3}; !slices.Equal(epochs, want) {
		t.Errorf("attempt 2 reported epochs %v, want %v (the resumed ones again, then the rest)", epochs, want)
	}
	if _, err := os.Stat(filepath.Join(work, "tessera-resume", "job-"+jobID)); !os.IsNotExist(err) {
		t.Errorf("the job's checkpoints are still there after it completed: %v", err)
	}
	second.stop(t)
	return w
}

// The GPU trainer on a real GPU: UperNet ConvNeXt-Tiny on a small job,
// interrupted by a killed agent after epoch 2 and resumed by the next.
// Skips (saying what is missing) on hosts without PyTorch, transformers
// and a CUDA GPU, which is every CI machine.
func TestBinaryGPUTrainerResumesAndExports(t *testing.T) {
	agentArgs := []string{"--no-cpu-trainer"}
	if py := os.Getenv("TESSERA_TEST_PYTHON"); py != "" { // the interpreter with torch, if not python3
		agentArgs = append(agentArgs, "--python", py)
	}
	offered := regexp.MustCompile(`GPU trainer "pytorch" (?:offered|not offered)`)
	probe := startBinary(t, offered, append([]string{"--broker", "nats://127.0.0.1:1", "--token", testToken}, agentArgs...)...)
	line := probe.waitHit(t, 3*time.Minute)
	if strings.Contains(line, "not offered") {
		t.Skip("this host cannot run the GPU trainer: " + line[strings.Index(line, "not offered"):])
	}
	t.Log(line)
	e := newEnv(t)
	cfg := map[string]any{"model_architecture": "upernet-convnext-tiny", "input_size": "128", "epochs": 3, "batch_size": 8}
	w := killAndResume(t, e, "g1", "pytorch", cfg, synth.Options{Tiles: 40, Val: 8, Size: 128, Classes: 2, Seed: 5, EdgeTiles: true, Unlabelled: true},
		agentArgs...)
	for _, name := range []string{"models/best.safetensors", "models/last.safetensors", "models/model.onnx", "predictions/tile_032.png"} {
		if b, err := e.artifact("jobs/g1/" + name); err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	var info struct {
		Format string `json:"format"`
		Onnx   struct {
			Agreement float64 `json:"onnxruntime_agreement"`
		} `json:"onnx"`
		Epochs int `json:"epochs"`
	}
	b, err := e.artifact("jobs/g1/models/model.json")
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err != nil || info.Format != "tessera-upernet-convnext/1" || info.Epochs != 3 {
		t.Errorf("model.json: %+v %v", info, err)
	}
	if info.Onnx.Agreement < 0.99 {
		t.Errorf("ONNX Runtime agrees with PyTorch on %.4f of the pixels", info.Onnx.Agreement)
	}
	var m struct {
		History         []json.RawMessage `json:"history"`
		ConfusionMatrix [][]int64         `json:"confusion_matrix"`
		ValTiles        int               `json:"val_tiles"`
	}
	if b, err := e.artifact("jobs/g1/metrics.json"); err != nil || json.Unmarshal(b, &m) != nil ||
		len(m.History) != 3 || len(m.ConfusionMatrix) != 3 || m.ValTiles != 8 {
		t.Errorf("metrics.json: %d epochs, %d×? confusion, %d val tiles, %v", len(m.History), len(m.ConfusionMatrix), m.ValTiles, err)
	}
	w.mu.Lock()
	t.Logf("attempt 2's last lines:\n%s", strings.Join(w.lastLines(12), "\n"))
	w.mu.Unlock()
}

// The built-in CPU trainer through the gpuagent binary: the agent is
// killed after epoch 2's checkpoint, and the next agent's attempt goes on
// from there.
func TestBinaryCPUTrainerResumesAfterAgentKill(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := map[string]any{"epochs": 3, "batch_size": 4, "input_size": "64", "model_architecture": "unet-small", "seed": 2}
	killAndResume(t, e, "c1", "cpu", cfg, synth.Options{Tiles: 12, Val: 3, Size: 64, Classes: 2, Seed: 4, Unlabelled: true},
		"--no-gpu-trainer")
	for _, name := range []string{"models/best.safetensors", "models/model.json", "metrics.json", "predictions/tile_011.png"} {
		if b, err := e.artifact("jobs/c1/" + name); err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
}
