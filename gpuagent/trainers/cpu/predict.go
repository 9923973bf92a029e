package cpu

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
)

// Predictor runs a trained model on images. It is safe for concurrent use.
type Predictor struct {
	info   *ModelInfo
	net    *unet
	pool   *pool
	window int // largest network input side run at once
}

// LoadPredictor loads modelDir/model.json and the best weights.
func LoadPredictor(modelDir string) (*Predictor, error) {
	return loadPredictor(modelDir, "")
}

// loadPredictor loads the named weight file ("" for the best one).
func loadPredictor(modelDir, weights string) (*Predictor, error) {
	info, err := ReadModelInfo(modelDir)
	if err != nil {
		return nil, err
	}
	if weights == "" {
		weights = info.Weights.Best
	}
	if weights == "" || filepath.Base(weights) != weights {
		return nil, fmt.Errorf("model.json: bad weight file name %q", weights)
	}
	net := newUNet(info.Arch)
	if err := loadWeights(filepath.Join(modelDir, weights), net); err != nil {
		return nil, err
	}
	return &Predictor{info: info, net: net, pool: newPool(context.Background(), 0), window: maxWindow}, nil
}

// Info is the model's description.
func (p *Predictor) Info() *ModelInfo { return p.info }

// Predict returns the class map of img: the same bounds as img, each pixel
// the Index of its most likely class (0 = background).
func (p *Predictor) Predict(img image.Image) (*image.Gray, error) {
	slots, err := p.predictSlots(img)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	out := image.NewGray(b)
	var lut [256]uint8
	for i, c := range p.info.Classes {
		lut[i] = uint8(c.Index)
	}
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		row := out.Pix[y*out.Stride : y*out.Stride+w]
		for x := range row {
			row[x] = lut[slots[y*w+x]]
		}
	}
	return out, nil
}

// Predict loads the model in modelDir (model.json and its best weights)
// and returns the class map of img. To predict many images, load a
// Predictor once with LoadPredictor.
func Predict(modelDir string, img image.Image) (*image.Gray, error) {
	p, err := LoadPredictor(modelDir)
	if err != nil {
		return nil, err
	}
	return p.Predict(img)
}

// maxWindow bounds the side of the network input Predict runs at once; a
// larger image is run in overlapping windows to bound memory. The margin
// covers the network's receptive field (about ±60 px at depth 3) and keeps
// windows on the pooling grid, so windows give exactly the logits of one
// big run.
const (
	maxWindow    = 1024
	windowMargin = 64
)

// predictSlots returns the class slot of every pixel of img, row-major.
func (p *Predictor) predictSlots(img image.Image) ([]uint8, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil, errors.New("predict: empty image")
	}
	in := p.info.Input
	sw, sh := scaled(w, in.Scale), scaled(h, in.Scale)
	x := scalePlanes(toPlanes(img, in.Channels), sw, sh)
	normalise(x, sw*sh, p.info.Normalisation.Mean, p.info.Normalisation.Std)
	k := p.info.Arch.Classes
	out := make([]uint8, w*h)
	if sw <= p.window && sh <= p.window {
		ph, pw := roundUp(sh, in.Multiple), roundUp(sw, in.Multiple)
		logits := p.run(x, sw, sh, 0, 0, sw, sh, ph, pw)
		upsampleArgmax(p.pool, logits.D, k, sw, sh, pw, ph*pw, w, h, out)
		return out, nil
	}
	// Windows whose centres (all but windowMargin at inner edges) tile
	// the image.
	full := make([]float32, k*sw*sh)
	core := p.window - 2*windowMargin
	for y0 := 0; y0 < sh; y0 += core {
		for x0 := 0; x0 < sw; x0 += core {
			ax, ay := max(0, x0-windowMargin), max(0, y0-windowMargin)
			bx, by := min(sw, x0+core+windowMargin), min(sh, y0+core+windowMargin)
			ph, pw := roundUp(by-ay, in.Multiple), roundUp(bx-ax, in.Multiple)
			logits := p.run(x, sw, sh, ax, ay, bx, by, ph, pw)
			for c := 0; c < k; c++ {
				for y := y0; y < min(sh, y0+core); y++ {
					src := logits.D[c*ph*pw+(y-ay)*pw+(x0-ax):]
					copy(full[c*sw*sh+y*sw+x0:c*sw*sh+y*sw+min(sw, x0+core)], src)
				}
			}
		}
	}
	upsampleArgmax(p.pool, full, k, sw, sh, sw, sw*sh, w, h, out)
	return out, nil
}

// run applies the network to the window [ax, bx) × [ay, by) of the
// normalised planes x (sw×sh), placed at the top left of a zero ph×pw
// input, and returns the logits.
func (p *Predictor) run(x []float32, sw, sh, ax, ay, bx, by, ph, pw int) *tensor {
	c := p.info.Input.Channels
	t := newTensor(c, 1, ph, pw)
	for ch := 0; ch < c; ch++ {
		for y := ay; y < by; y++ {
			copy(t.D[ch*ph*pw+(y-ay)*pw:ch*ph*pw+(y-ay)*pw+(bx-ax)], x[ch*sw*sh+y*sw+ax:ch*sw*sh+y*sw+bx])
		}
	}
	return p.net.forward(p.pool, t, nil)
}
