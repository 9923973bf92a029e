package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Arch describes the network: a U-Net with Depth 2×2 max-pool steps down and
// as many nearest-neighbour 2× steps up. Each level has two 3×3
// convolutions with batch normalisation and ReLU (Width·2^level channels);
// on the way up the deeper level's output, upsampled, is concatenated with
// the skip connection; a 1×1 convolution with bias gives one logit per
// class. Input height and width must be multiples of 2^Depth.
type Arch struct {
	Name       string `json:"name"` // "unet"
	InChannels int    `json:"in_channels"`
	Classes    int    `json:"classes"`
	Width      int    `json:"width"`
	Depth      int    `json:"depth"`
}

func (a Arch) channels(level int) int { return a.Width << level }

// param is one tensor of the model and its gradient (nil for buffers).
type param struct {
	name  string
	shape []int
	v, g  []float32
}

func newParam(name string, shape ...int) *param {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &param{name: name, shape: shape, v: make([]float32, n), g: make([]float32, n)}
}

// convLayer is a k×k convolution followed by batch normalisation and ReLU,
// or, without bn, by a bias alone.
type convLayer struct {
	in, out, k int
	w, b       *param // b only without bn
	bn         *batchNorm
}

// layerTrace is what a layer's backward pass needs from its forward pass.
type layerTrace struct {
	x, z, y      *tensor // input, convolution output, layer output
	mean, invStd []float32
}

// forward applies the layer; with train set it normalises by the batch's
// statistics and returns them in the trace.
func (l *convLayer) forward(p *pool, x *tensor, train bool) (*tensor, *layerTrace) {
	if l.bn == nil {
		y := convForward(p, x, l.w.v, l.b.v, l.out, l.k)
		return y, &layerTrace{x: x, y: y}
	}
	z := convForward(p, x, l.w.v, nil, l.out, l.k)
	var mean, invStd []float32
	if train {
		mean, invStd = batchStats(p, z)
	} else {
		mean, invStd = l.bn.runningStats()
	}
	y := l.bn.forwardReLU(p, z, mean, invStd)
	return y, &layerTrace{x: x, z: z, y: y, mean: mean, invStd: invStd}
}

// backward adds the layer's gradients given dy (which it overwrites) and
// returns the gradient at its input when needDx.
func (l *convLayer) backward(p *pool, t *layerTrace, dy *tensor, needDx bool) *tensor {
	if l.bn == nil {
		return convBackward(p, t.x, dy, l.w.v, l.out, l.k, l.w.g, l.b.g, needDx)
	}
	dz := l.bn.backwardReLU(p, t.z, t.y, dy, t.mean, t.invStd)
	return convBackward(p, t.x, dz, l.w.v, l.out, l.k, l.w.g, nil, needDx)
}

// unet is the network of an Arch and its weights.
type unet struct {
	arch    Arch
	enc     [][2]*convLayer // levels 0..Depth (Depth is the bottleneck)
	dec     [][2]*convLayer // levels 0..Depth-1
	head    *convLayer
	params  []*param // trained, in file order
	buffers []*param // batch-norm running statistics
	bns     []*batchNorm
}

func newUNet(a Arch) *unet {
	m := &unet{arch: a}
	add := func(name string, in, out int) *convLayer {
		l := &convLayer{in: in, out: out, k: 3, w: newParam(name+".conv.weight", out, in, 3, 3),
			bn: newBatchNorm(name+".bn", out)}
		m.params = append(m.params, l.w, l.bn.gamma, l.bn.beta)
		m.buffers = append(m.buffers, l.bn.mean, l.bn.vari)
		m.bns = append(m.bns, l.bn)
		return l
	}
	for l := 0; l <= a.Depth; l++ {
		in := a.InChannels
		if l > 0 {
			in = a.channels(l - 1)
		}
		c := a.channels(l)
		m.enc = append(m.enc, [2]*convLayer{
			add(fmt.Sprintf("enc%d.0", l), in, c),
			add(fmt.Sprintf("enc%d.1", l), c, c),
		})
	}
	m.dec = make([][2]*convLayer, a.Depth)
	for l := a.Depth - 1; l >= 0; l-- {
		c := a.channels(l)
		m.dec[l] = [2]*convLayer{
			add(fmt.Sprintf("dec%d.0", l), a.channels(l+1)+c, c),
			add(fmt.Sprintf("dec%d.1", l), c, c),
		}
	}
	m.head = &convLayer{in: a.channels(0), out: a.Classes, k: 1,
		w: newParam("head.weight", a.Classes, a.channels(0), 1, 1), b: newParam("head.bias", a.Classes)}
	m.params = append(m.params, m.head.w, m.head.b)
	for _, b := range m.buffers {
		b.g = nil
	}
	return m
}

// layers lists the layers in file order.
func (m *unet) layers() []*convLayer {
	var out []*convLayer
	for _, e := range m.enc {
		out = append(out, e[0], e[1])
	}
	for l := len(m.dec) - 1; l >= 0; l-- {
		out = append(out, m.dec[l][0], m.dec[l][1])
	}
	return append(out, m.head)
}

// init draws He-normal convolution weights (std √(2/fan-in); √(1/fan-in)
// for the head) and resets biases and batch norms.
func (m *unet) init(rng *rand.Rand) {
	for _, l := range m.layers() {
		gain := 2.0
		if l.bn == nil {
			gain = 1
			clear(l.b.v)
		} else {
			l.bn.reset()
		}
		std := math.Sqrt(gain / float64(l.in*l.k*l.k))
		for i := range l.w.v {
			l.w.v[i] = float32(rng.NormFloat64() * std)
		}
	}
}

// tensors lists every tensor to save: the params, then the buffers.
func (m *unet) tensors() []*param { return append(append([]*param{}, m.params...), m.buffers...) }

func (m *unet) numWeights() int {
	n := 0
	for _, p := range m.params {
		n += len(p.v)
	}
	return n
}

func (m *unet) zeroGrad() {
	for _, p := range m.params {
		clear(p.g)
	}
}

// trace keeps what the backward pass needs from a training forward pass.
type trace struct {
	enc     [][2]*layerTrace
	poolArg [][]uint8
	dec     [][2]*layerTrace
	head    *layerTrace
	n       int // images in the batch
}

// forward runs the network on x ([InChannels][N][H][W]) and returns the
// logits ([Classes][N][H][W]). With tr non-nil it runs in training mode
// (batch statistics) and records what backward needs; otherwise it uses
// the running statistics.
func (m *unet) forward(p *pool, x *tensor, tr *trace) *tensor {
	d := m.arch.Depth
	train := tr != nil
	if train {
		*tr = trace{enc: make([][2]*layerTrace, d+1), poolArg: make([][]uint8, d+1), dec: make([][2]*layerTrace, d), n: x.N}
	}
	skips := make([]*tensor, d+1)
	in := x
	for l := 0; l <= d; l++ {
		var arg []uint8
		if l > 0 {
			in, arg = maxPool2(p, skips[l-1])
		}
		mid, t0 := m.enc[l][0].forward(p, in, train)
		out, t1 := m.enc[l][1].forward(p, mid, train)
		skips[l] = out
		if train {
			tr.enc[l], tr.poolArg[l] = [2]*layerTrace{t0, t1}, arg
		}
	}
	deep := skips[d]
	for l := d - 1; l >= 0; l-- {
		skip := skips[l]
		cat := newTensor(deep.C+skip.C, skip.N, skip.H, skip.W)
		upsample2Into(p, cat, 0, deep)
		copy(cat.D[deep.C*cat.pixels():], skip.D)
		mid, t0 := m.dec[l][0].forward(p, cat, train)
		out, t1 := m.dec[l][1].forward(p, mid, train)
		if train {
			tr.dec[l] = [2]*layerTrace{t0, t1}
		}
		deep = out
	}
	logits, th := m.head.forward(p, deep, train)
	if train {
		tr.head = th
	}
	return logits
}

// backward adds to every param's gradient, given dlogits, the loss
// gradient at the logits of the forward pass recorded in tr.
func (m *unet) backward(p *pool, tr *trace, dlogits *tensor) {
	d := m.arch.Depth
	dDeep := m.head.backward(p, tr.head, dlogits, true)
	dSkip := make([]*tensor, d+1)
	for l := 0; l < d; l++ {
		dMid := m.dec[l][1].backward(p, tr.dec[l][1], dDeep, true)
		dCat := m.dec[l][0].backward(p, tr.dec[l][0], dMid, true)
		deepC := dCat.C - m.arch.channels(l)
		dSkip[l] = &tensor{C: m.arch.channels(l), N: dCat.N, H: dCat.H, W: dCat.W, D: dCat.D[deepC*dCat.pixels():]}
		dDeep = upsample2Backward(p, dCat, 0, deepC)
	}
	dSkip[d] = dDeep
	for l := d; l >= 0; l-- {
		dMid := m.enc[l][1].backward(p, tr.enc[l][1], dSkip[l], true)
		dIn := m.enc[l][0].backward(p, tr.enc[l][0], dMid, l > 0)
		if l > 0 {
			prev := tr.enc[l-1][1].y
			dPrev := maxPool2Backward(p, dIn, tr.poolArg[l], prev.H, prev.W)
			acc := dSkip[l-1].D
			for i, v := range dPrev.D {
				acc[i] += v
			}
		}
	}
}

// updateStats moves every batch norm's running statistics toward the
// batch recorded in tr.
func (m *unet) updateStats(tr *trace) {
	for l, e := range m.enc {
		for i, c := range e {
			c.bn.update(tr.enc[l][i].mean, tr.enc[l][i].invStd, tr.enc[l][i].z.pixels())
		}
	}
	for l, e := range m.dec {
		for i, c := range e {
			c.bn.update(tr.dec[l][i].mean, tr.dec[l][i].invStd, tr.dec[l][i].z.pixels())
		}
	}
}
