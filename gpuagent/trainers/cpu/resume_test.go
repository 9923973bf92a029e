package cpu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu/synth"
)

// cancelAfter is a trainer output that cancels the run once a line shows.
type cancelAfter struct {
	bytes.Buffer
	line   string
	cancel context.CancelFunc
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(w.line)) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// A run stopped after epoch 2 and continued from its checkpoint, in a new
// job folder as the next attempt gets, ends with the very model of a run
// that was never stopped, and reports every epoch.
func TestResumeContinuesToTheSameModel(t *testing.T) {
	cfg := map[string]any{"epochs": 4, "batch_size": 3, "learning_rate": 0.01, "input_size": "32", "width": 4, "seed": 9}
	o := synth.Options{Tiles: 10, Val: 2, Size: 48, Classes: 2, Seed: 3, EdgeTiles: true, Unlabelled: true}
	whole := newJob(t, o, cfg)
	if _, stderr, code := runMain(t, whole); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}

	resume := filepath.Join(t.TempDir(), "resume")
	first := newJob(t, o, cfg)
	c, _, err := readConfig(filepath.Join(first, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out1 := &cancelAfter{line: "Checkpoint of epoch 2 saved", cancel: cancel}
	if err := Train(ctx, first, resume, c, out1); !errors.Is(err, context.Canceled) {
		t.Fatalf("the first attempt ended with %v, want it stopped after epoch 2:\n%s", err, out1.String())
	}

	second := newJob(t, o, cfg)
	var out2, stderr bytes.Buffer
	if code := Main([]string{"--job-dir", second, "--resume-dir", resume}, &out2, &stderr); code != 0 {
		t.Fatalf("the second attempt: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(out2.String(), "Resuming from the checkpoint of epoch 2 of 4") {
		t.Errorf("the second attempt did not say it resumed:\n%s", out2.String())
	}
	if strings.Contains(out2.String(), "Epoch 1 done") || !strings.Contains(out2.String(), "Epoch 3 done") {
		t.Errorf("the second attempt should train epochs 3 and 4 only:\n%s", out2.String())
	}
	b1, b2 := parseBlocks(t, out1.String()), parseBlocks(t, out2.String())
	if len(b2) != 4 || len(b1) < 2 || b2[0].valIoU != b1[0].valIoU || b2[1].trainLoss != b1[1].trainLoss {
		t.Errorf("the second attempt's blocks: %d, the first two should be the first attempt's", len(b2))
	}
	for _, f := range []string{"models/best.safetensors", "models/last.safetensors", "predictions/tile_008.png", "predictions/tile_009.png"} {
		a, err1 := os.ReadFile(filepath.Join(whole, f))
		b, err2 := os.ReadFile(filepath.Join(second, f))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the uninterrupted and the resumed run (%v %v)", f, err1, err2)
		}
	}
	if a, b := metricsWithoutTimes(t, whole), metricsWithoutTimes(t, second); a != b {
		t.Errorf("metrics.json differs:\nwhole:   %s\nresumed: %s", a, b)
	}

	// Another config (or training set) does not take the checkpoint.
	cfg["learning_rate"] = 0.02
	other := newJob(t, o, cfg)
	var out3 bytes.Buffer
	if code := Main([]string{"--job-dir", other, "--resume-dir", resume}, &out3, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(out3.String(), "is for another training set or settings: starting over") || len(parseBlocks(t, out3.String())) != 4 {
		t.Errorf("a changed config resumed:\n%s", out3.String())
	}
}

// metricsWithoutTimes is metrics.json without the per-epoch times.
func metricsWithoutTimes(t *testing.T, dir string) string {
	m := readJSON(t, filepath.Join(dir, "metrics.json"))
	for _, h := range m["history"].([]any) {
		delete(h.(map[string]any), "seconds")
	}
	b, _ := json.Marshal(m)
	return string(b)
}
