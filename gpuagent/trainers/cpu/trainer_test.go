package cpu

import (
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu/synth"
)

// skipSlow skips tests that train to an accuracy target under -race or
// -short.
func skipSlow(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("trains to a target: too slow under -race (run go test ./gpuagent/trainers/cpu)")
	}
	if testing.Short() {
		t.Skip("trains to a target: skipped with -short")
	}
}

// TestTrainLearnsDiscs trains on 40 synthetic 128 px tiles (discs on
// textured noise, some edge-sized tiles, unlabelled bands) and checks the
// whole contract: the stdout blocks, the Val IoU reached, metrics.json
// against predictions recomputed from the files, the model files, and
// Predict on a new image.
func TestTrainLearnsDiscs(t *testing.T) {
	skipSlow(t)
	const epochs = 10
	dir := newJob(t, synth.Options{Tiles: 40, Val: 8, Size: 128, Classes: 1, Seed: 7, EdgeTiles: true, Unlabelled: true},
		map[string]any{"epochs": epochs, "batch_size": 4, "learning_rate": 0.01, "input_size": "64", "width": 8, "seed": 3})
	start := time.Now()
	stdout, stderr, code := runMain(t, dir)
	elapsed := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, stderr, stdout)
	}
	t.Logf("trained %d epochs in %.1fs", epochs, elapsed.Seconds())

	// stdout: one block per epoch, exactly the spec's lines.
	blocks := parseBlocks(t, stdout)
	if len(blocks) != epochs {
		t.Fatalf("%d blocks, want %d:\n%s", len(blocks), epochs, stdout)
	}
	for i, b := range blocks {
		if b.epoch != i+1 || b.total != epochs {
			t.Errorf("block %d says epoch %d/%d", i, b.epoch, b.total)
		}
		if !slices.Equal(b.classOrder, []string{"background", "disc"}) {
			t.Errorf("epoch %d: class lines %v", b.epoch, b.classOrder)
		}
	}
	// The agent's own parser reads the same figures.
	p := jobproto.NewParser(epochs)
	var events []*jobproto.MetricEvent
	for _, l := range strings.Split(stdout, "\n") {
		if m, _ := p.Feed(l); m != nil {
			events = append(events, m)
		}
	}
	if m, _ := p.Feed("done"); m != nil {
		events = append(events, m)
	}
	last := events[len(events)-1]
	if last.Epoch != epochs || last.ValIoU == nil || !near(*last.ValIoU, blocks[epochs-1].valIoU, 1e-9) ||
		!near(last.ClassIoU["disc"], blocks[epochs-1].classIoU["disc"], 1e-9) {
		t.Errorf("jobproto parser read %+v", last)
	}

	// metrics.json is the best epoch's evaluation and agrees with the files.
	metrics := readJSON(t, filepath.Join(dir, "metrics.json"))
	best := int(metrics["best_epoch"].(float64))
	classIoU := metrics["class_iou"].(map[string]any)
	disc := classIoU["disc"].(float64)
	t.Logf("best epoch %d: disc IoU %.4f, mean IoU %.4f", best, disc, metrics["mean_iou"].(float64))
	if disc <= 0.8 {
		t.Errorf("disc IoU %.4f, want > 0.8\n%s", disc, stdout)
	}
	bb := blocks[best-1]
	for _, b := range blocks {
		if b.valIoU > bb.valIoU {
			t.Errorf("epoch %d has Val IoU %.4f, above the best epoch %d's %.4f", b.epoch, b.valIoU, best, bb.valIoU)
		}
	}
	if !near(bb.valIoU, metrics["mean_iou"].(float64), 5e-5) || !near(bb.classIoU["disc"], disc, 5e-5) {
		t.Errorf("best epoch printed Val IoU %.4f / disc %.4f; metrics.json has %v / %v", bb.valIoU, bb.classIoU["disc"], metrics["mean_iou"], disc)
	}
	md := readJSON(t, filepath.Join(dir, "metadata.json"))
	var val []string
	for _, v := range md["split"].(map[string]any)["val"].([]any) {
		val = append(val, v.(string))
	}
	r := recompute(t, dir, val, []int{0, 1})
	for name, idx := range map[string]int{"background": 0, "disc": 1} {
		if got := classIoU[name].(float64); !near(got, r.iou[idx], 1e-6) {
			t.Errorf("%s IoU: metrics.json %.8f, recomputed %.8f", name, got, r.iou[idx])
		}
	}
	if !near(metrics["mean_iou"].(float64), r.meanIoU, 1e-6) || !near(metrics["pixel_accuracy"].(float64), r.accuracy, 1e-6) {
		t.Errorf("mean IoU / accuracy: metrics.json %v / %v, recomputed %v / %v", metrics["mean_iou"], metrics["pixel_accuracy"], r.meanIoU, r.accuracy)
	}
	cm := metrics["confusion_matrix"].([]any)
	for ti := range 2 {
		for pi := range 2 {
			if got := int64(cm[ti].([]any)[pi].(float64)); got != r.conf[[2]int{ti, pi}] {
				t.Errorf("confusion[%d][%d] = %d, recomputed %d", ti, pi, got, r.conf[[2]int{ti, pi}])
			}
		}
	}
	if h := metrics["history"].([]any); len(h) != epochs {
		t.Errorf("history has %d epochs", len(h))
	}

	// Model files: both weight files load into the architecture model.json describes.
	models := filepath.Join(dir, "models")
	info, err := ReadModelInfo(models)
	if err != nil {
		t.Fatal(err)
	}
	if info.Best == nil || info.Best.Epoch != best || info.Last == nil || info.Last.Epoch != epochs || info.Epochs != epochs {
		t.Errorf("model.json best %+v last %+v epochs %d", info.Best, info.Last, info.Epochs)
	}
	if info.Input.Channels != 3 || info.Input.Scale != 0.5 || len(info.Classes) != 2 || info.Classes[1].Name != "disc" {
		t.Errorf("model.json input %+v classes %+v", info.Input, info.Classes)
	}
	for _, f := range []string{"best.safetensors", "last.safetensors"} {
		if _, err := loadPredictor(models, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	// Predict on a new image of another size: a sensible mask, same bounds.
	rng := rand.New(rand.NewPCG(1234, 5))
	img, truth := synth.Tile(rng, 150, 110, 1, false)
	got, err := Predict(models, img)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds() != img.Bounds() {
		t.Fatalf("prediction bounds %v, image %v", got.Bounds(), img.Bounds())
	}
	if iou := maskIoU(got, truth, 1); iou < 0.7 {
		t.Errorf("Predict on a new image: disc IoU %.3f, want ≥ 0.7", iou)
	}
}

// maskIoU is the IoU of class c between two class maps.
func maskIoU(pred, truth *image.Gray, c uint8) float64 {
	var inter, union int
	for i, tv := range truth.Pix {
		a, b := pred.Pix[i] == c, tv == c
		if a && b {
			inter++
		}
		if a || b {
			union++
		}
	}
	return float64(inter) / float64(max(union, 1))
}

// TestTrainThreeClasses: discs and striped squares, grey images.
func TestTrainThreeClasses(t *testing.T) {
	skipSlow(t)
	const epochs = 12
	dir := newJob(t, synth.Options{Tiles: 40, Val: 8, Size: 128, Classes: 2, Grey: true, Seed: 11},
		map[string]any{"epochs": epochs, "batch_size": 2, "learning_rate": 0.01, "input_size": "64", "width": 8, "seed": 5})
	stdout, stderr, code := runMain(t, dir)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	blocks := parseBlocks(t, stdout)
	if len(blocks) != epochs || !slices.Equal(blocks[0].classOrder, []string{"background", "disc", "square"}) {
		t.Fatalf("blocks: %+v", blocks)
	}
	metrics := readJSON(t, filepath.Join(dir, "metrics.json"))
	c := metrics["class_iou"].(map[string]any)
	t.Logf("IoU: background %.3f, disc %.3f, square %.3f", c["background"], c["disc"], c["square"])
	for _, name := range []string{"disc", "square"} {
		if v := c[name].(float64); v < 0.7 {
			t.Errorf("%s IoU %.3f, want ≥ 0.7", name, v)
		}
	}
	if info, err := ReadModelInfo(filepath.Join(dir, "models")); err != nil || info.Input.Channels != 1 {
		t.Errorf("model.json: %v, %+v", err, info)
	}
}

// TestTrainSmokeAndReproducible runs a tiny job twice, fast enough for
// -race: same seed, same weights, byte for byte; every output present.
func TestTrainSmokeAndReproducible(t *testing.T) {
	cfg := map[string]any{"epochs": 2, "batch_size": 3, "learning_rate": 0.01, "input_size": "32", "width": 4, "seed": 9}
	o := synth.Options{Tiles: 8, Val: 2, Size: 48, Classes: 1, Seed: 3, EdgeTiles: true, Unlabelled: true}
	var weights [2][]byte
	for i := range weights {
		dir := newJob(t, o, cfg)
		stdout, stderr, code := runMain(t, dir)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if n := len(parseBlocks(t, stdout)); n != 2 {
			t.Fatalf("%d blocks", n)
		}
		for _, f := range []string{"models/best.safetensors", "models/last.safetensors", "models/model.json",
			"metrics.json", "predictions/tile_006.png", "predictions/tile_007.png"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Error(err)
			}
		}
		var err error
		if weights[i], err = os.ReadFile(filepath.Join(dir, "models", "last.safetensors")); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(weights[0], weights[1]) {
		t.Error("two runs with the same seed gave different weights")
	}
}

func TestBadInput(t *testing.T) {
	o := synth.Options{Tiles: 4, Val: 1, Size: 32, Classes: 1, Seed: 1}
	cfg := map[string]any{"epochs": 1, "input_size": "32", "width": 2}
	cases := []struct {
		name   string
		damage func(dir string) error
		want   string
	}{
		{"no metadata", func(d string) error { return os.Remove(filepath.Join(d, "metadata.json")) }, "metadata.json is missing"},
		{"empty train split", func(d string) error {
			return rewriteSplit(d, nil, []string{"tile_003.png"})
		}, "train split is empty"},
		{"empty val split", func(d string) error {
			return rewriteSplit(d, []string{"tile_000.png"}, nil)
		}, "val split is empty"},
		{"missing image", func(d string) error { return os.Remove(filepath.Join(d, "images", "tile_001.png")) }, "images/tile_001.png is missing"},
		{"missing mask", func(d string) error { return os.Remove(filepath.Join(d, "masks", "tile_003.png")) }, "masks/tile_003.png is missing"},
		{"size mismatch", func(d string) error {
			return writePNG(filepath.Join(d, "masks", "tile_002.png"), image.NewGray(image.Rect(0, 0, 31, 32)))
		}, "masks/tile_002.png is 31×32 but images/tile_002.png is 32×32"},
		{"unknown class", func(d string) error {
			m := image.NewGray(image.Rect(0, 0, 32, 32))
			m.Pix[5] = 7
			return writePNG(filepath.Join(d, "masks", "tile_000.png"), m)
		}, "masks/tile_000.png: pixel (5, 0) is 7"},
		{"16-bit mask", func(d string) error {
			return writePNG(filepath.Join(d, "masks", "tile_000.png"), image.NewGray16(image.Rect(0, 0, 32, 32)))
		}, "masks/tile_000.png is not an 8-bit class-index PNG"},
		{"corrupt image", func(d string) error {
			return os.WriteFile(filepath.Join(d, "images", "tile_001.png"), []byte("not a png"), 0o644)
		}, "images/tile_001.png"},
		{"bad config", func(d string) error {
			return os.WriteFile(filepath.Join(d, "config.json"), []byte(`{"epochs": 0}`), 0o644)
		}, "config epochs"},
		{"class named like the background", func(d string) error {
			return rewriteMetadata(d, []map[string]any{{"index": 1, "name": "background"}}, 255)
		}, `class 1 is called "background", the name of the background`},
		{"ignore index 0", func(d string) error {
			return rewriteMetadata(d, []map[string]any{{"index": 1, "name": "disc"}}, 0)
		}, "ignore_index is 0, the background's mask value"},
		{"path in split", func(d string) error {
			return rewriteSplit(d, []string{"../x.png"}, []string{"tile_003.png"})
		}, "not a tile file name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := newJob(t, o, cfg)
			if err := c.damage(dir); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := runMain(t, dir)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
			}
			t.Log(strings.TrimSpace(stderr))
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if !strings.Contains(lines[len(lines)-1], c.want) {
				t.Errorf("stderr %q does not end with a line containing %q", stderr, c.want)
			}
		})
	}
	t.Run("no job dir", func(t *testing.T) {
		var out, errb strings.Builder
		if code := Main(nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage") {
			t.Errorf("exit %d, stderr %q", code, errb.String())
		}
	})
}

func rewriteMetadata(dir string, classes []map[string]any, ignore int) error {
	md := map[string]any{"classes": classes, "ignore_index": ignore,
		"split": map[string]any{"train": []string{"tile_000.png", "tile_001.png", "tile_002.png"}, "val": []string{"tile_003.png"}}}
	return writeJSONFile(filepath.Join(dir, "metadata.json"), md)
}

func rewriteSplit(dir string, train, val []string) error {
	md := map[string]any{"classes": []map[string]any{{"index": 1, "name": "disc"}},
		"split": map[string]any{"train": train, "val": val}, "ignore_index": 255}
	return writeJSONFile(filepath.Join(dir, "metadata.json"), md)
}

// BenchmarkEpoch trains on 100 synthetic 256 px tiles (80 train, 20 val)
// at the default settings and reports seconds per epoch (training and
// validation) and to the end of the first epoch (with loading).
func BenchmarkEpoch(b *testing.B) {
	cfg := map[string]any{"epochs": 2}
	dir := newJob(b, synth.Options{Tiles: 100, Val: 20, Size: 256, Classes: 1, Seed: 1}, cfg)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		os.RemoveAll(filepath.Join(dir, "models"))
		stdout, stderr, code := runMain(b, dir)
		if code != 0 {
			b.Fatalf("exit %d: %s", code, stderr)
		}
		_ = stdout
	}
	b.StopTimer()
	info, err := ReadModelInfo(filepath.Join(dir, "models"))
	if err != nil {
		b.Fatal(err)
	}
	metrics := readJSON(b, filepath.Join(dir, "metrics.json"))
	h := metrics["history"].([]any)
	first := h[0].(map[string]any)["seconds"].(float64)
	second := h[1].(map[string]any)["seconds"].(float64)
	b.ReportMetric(second-first, "s/epoch")
	b.ReportMetric(first, "s-to-epoch-1")
	b.ReportMetric(float64(info.Best.ValIoU), "val-IoU-after-2")
	fmt.Fprintf(os.Stderr, "input %d px, scale %.3f\n", info.Input.Size, info.Input.Scale)
}

// A validation set with no labelled pixel has no loss to report: NaN
// (which the app reads as no value), not a perfect 0.
func TestNoLabelledValidationPixelsGiveNoLoss(t *testing.T) {
	dir := newJob(t, synth.Options{Tiles: 4, Val: 1, Size: 32, Classes: 1, Seed: 1}, map[string]any{"epochs": 1, "input_size": "32", "width": 2})
	if err := rewriteMetadata(dir, []map[string]any{{"index": 1, "name": "disc"}}, 255); err != nil {
		t.Fatal(err)
	}
	unlabelled := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range unlabelled.Pix {
		unlabelled.Pix[i] = 255
	}
	if err := writePNG(filepath.Join(dir, "masks", "tile_003.png"), unlabelled); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runMain(t, dir)
	if code != 0 || !strings.Contains(stdout, "- Val Loss: NaN (Validation loss)") || !strings.Contains(stdout, "- Train Loss: 0.") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}
