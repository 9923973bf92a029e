package cpu

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu/synth"
)

// saveRandomModel writes model.json and best.safetensors for an untrained
// network with random weights and batch-norm statistics.
func saveRandomModel(t *testing.T, dir string, arch Arch, scale float64) {
	t.Helper()
	net := newUNet(arch)
	rng := rand.New(rand.NewPCG(4, 4))
	net.init(rng)
	for _, bn := range net.bns {
		for i := range bn.mean.v {
			bn.mean.v[i] = float32(rng.NormFloat64() * 0.1)
			bn.vari.v[i] = float32(0.5 + rng.Float64())
			bn.beta.v[i] = float32(rng.NormFloat64() * 0.1)
		}
	}
	classes := []Class{{Index: 0, Name: "background"}, {Index: 3, Name: "a"}, {Index: 7, Name: "b"}}[:arch.Classes]
	mean := slices.Repeat([]float64{0.4}, arch.InChannels)
	std := slices.Repeat([]float64{0.2}, arch.InChannels)
	info := &ModelInfo{Format: ModelFormat, Arch: arch,
		Input:         InputInfo{Size: 64, Channels: arch.InChannels, Scale: scale, TileSize: 128, Multiple: 1 << arch.Depth},
		Normalisation: Normalisation{Mean: mean, Std: std}, Classes: classes, IgnoreIndex: 255,
		Tensors: tensorInfos(net), Weights: WeightFiles{Best: "best.safetensors", Last: "last.safetensors"}}
	if err := saveWeights(filepath.Join(dir, "best.safetensors"), net, nil); err != nil {
		t.Fatal(err)
	}
	if err := writeModelInfo(dir, info); err != nil {
		t.Fatal(err)
	}
}

// TestPredictWindows: an image run in overlapping windows gets exactly the
// class map of one run over the whole image.
func TestPredictWindows(t *testing.T) {
	dir := t.TempDir()
	saveRandomModel(t, dir, Arch{Name: "unet", InChannels: 3, Classes: 3, Width: 4, Depth: 3}, 0.5)
	p, err := LoadPredictor(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := synth.Tile(rand.New(rand.NewPCG(1, 2)), 700, 500, 1, false)
	whole, err := p.Predict(img)
	if err != nil {
		t.Fatal(err)
	}
	p.window = 2*windowMargin + 64 // 350×250 scaled: 4×3 windows
	windowed, err := p.Predict(img)
	if err != nil {
		t.Fatal(err)
	}
	diff := 0
	counts := map[uint8]int{}
	for i := range whole.Pix {
		counts[whole.Pix[i]]++
		if whole.Pix[i] != windowed.Pix[i] {
			diff++
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d pixels differ between windowed and whole", diff, len(whole.Pix))
	}
	for v := range counts {
		if v != 0 && v != 3 && v != 7 {
			t.Errorf("class map holds %d, which is no class index", v)
		}
	}
}

func TestPredictImageKinds(t *testing.T) {
	dir := t.TempDir()
	saveRandomModel(t, dir, Arch{Name: "unet", InChannels: 1, Classes: 2, Width: 2, Depth: 3}, 1)
	p, err := LoadPredictor(dir)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for _, sz := range [][2]int{{1, 1}, {7, 3}, {33, 17}} {
		for _, grey := range []bool{true, false} {
			img, _ := synth.Tile(rng, sz[0], sz[1], 1, grey)
			got, err := p.Predict(img)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != img.Bounds() {
				t.Errorf("%v: bounds %v", sz, got.Bounds())
			}
		}
	}
	if _, err := LoadPredictor(t.TempDir()); err == nil {
		t.Error("loaded a model from an empty folder")
	}
}
