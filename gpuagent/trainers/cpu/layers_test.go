package cpu

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func randTensor(rng *rand.Rand, c, n, h, w int) *tensor {
	t := newTensor(c, n, h, w)
	for i := range t.D {
		t.D[i] = float32(rng.NormFloat64())
	}
	return t
}

// naiveConv is the textbook definition, for checking convForward.
func naiveConv(x *tensor, w, b []float32, cout, k int) *tensor {
	y := newTensor(cout, x.N, x.H, x.W)
	pad := k / 2
	for co := 0; co < cout; co++ {
		for n := 0; n < x.N; n++ {
			for py := 0; py < x.H; py++ {
				for px := 0; px < x.W; px++ {
					s := float64(b[co])
					for ci := 0; ci < x.C; ci++ {
						for ky := 0; ky < k; ky++ {
							for kx := 0; kx < k; kx++ {
								sy, sx := py+ky-pad, px+kx-pad
								if sy < 0 || sy >= x.H || sx < 0 || sx >= x.W {
									continue
								}
								s += float64(w[co*x.C*k*k+ci*k*k+ky*k+kx]) * float64(x.D[((ci*x.N+n)*x.H+sy)*x.W+sx])
							}
						}
					}
					y.D[((co*x.N+n)*x.H+py)*x.W+px] = float32(s)
				}
			}
		}
	}
	return y
}

func TestGemmNTMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][3]int{{1, 1, 1}, {2, 4, 3}, {3, 5, 7}, {5, 9, 33}, {8, 64, 27}} {
		m, n, k := sz[0], sz[1], sz[2]
		a := make([]float32, m*k)
		b := make([]float32, n*k)
		c := make([]float32, m*n)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		for i := range c {
			c[i] = 1
		}
		gemmNT(c, n, a, k, b, k, m, n, k)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				want := 1.0
				for r := 0; r < k; r++ {
					want += float64(a[i*k+r]) * float64(b[j*k+r])
				}
				if math.Abs(float64(c[i*n+j])-want) > 1e-4 {
					t.Fatalf("%v: c[%d,%d] = %v, want %v", sz, i, j, c[i*n+j], want)
				}
			}
		}
	}
}

func TestConvForwardMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := newPool(context.Background(), 3)
	for _, k := range []int{1, 3} {
		x := randTensor(rng, 5, 2, 7, 9)
		cout := 3
		w := randTensor(rng, cout*x.C*k*k, 1, 1, 1).D
		b := randTensor(rng, cout, 1, 1, 1).D
		got := convForward(p, x, w, b, cout, k)
		want := naiveConv(x, w, b, cout, k)
		for i := range want.D {
			if math.Abs(float64(got.D[i]-want.D[i])) > 1e-4 {
				t.Fatalf("k=%d: y[%d] = %v, want %v", k, i, got.D[i], want.D[i])
			}
		}
	}
}

// TestUNetGradients compares the analytic gradient of the loss with central
// differences, for a sample of weights of every tensor and for the input.
func TestUNetGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := newPool(context.Background(), 2)
	a := Arch{Name: "unet", InChannels: 2, Classes: 3, Width: 4, Depth: 2}
	m := newUNet(a)
	m.init(rng)
	// Positive biases keep most ReLUs on: a unit whose inputs are all dead
	// sits exactly at its bias, and a bias near zero would put a kink
	// inside the finite-difference step.
	for _, prm := range m.params {
		if strings.HasSuffix(prm.name, ".bn.bias") {
			for i := range prm.v {
				prm.v[i] = 0.2 + float32(rng.NormFloat64()*0.05)
			}
		}
	}
	x := randTensor(rng, 2, 2, 8, 8)
	labels := make([]uint8, x.pixels())
	for i := range labels {
		labels[i] = uint8(rng.IntN(3))
		if i%7 == 0 {
			labels[i] = ignoreSlot
		}
	}
	loss := func() float64 { // in training mode, as the gradient is
		var tr trace
		s, _ := softmaxCE(p, m.forward(p, x, &tr), labels, nil, nil)
		return s
	}
	var tr trace
	logits := m.forward(p, x, &tr)
	grad := newTensor(logits.C, logits.N, logits.H, logits.W)
	softmaxCE(p, logits, labels, grad, nil)
	m.zeroGrad()
	m.backward(p, &tr, grad)

	// A ReLU or a max-pool switching inside [w-h, w+h] makes the loss bend
	// there; such points show as one-sided slopes that disagree and are
	// skipped, but they must stay rare.
	const h = 1e-3
	checked, skipped := 0, 0
	f0 := loss()
	for _, prm := range m.params {
		for _, i := range []int{0, len(prm.v) / 3, len(prm.v) / 2, len(prm.v) - 1} {
			old := prm.v[i]
			prm.v[i] = old + h
			up := loss()
			prm.v[i] = old - h
			down := loss()
			prm.v[i] = old
			right, left := (up-f0)/h, (f0-down)/h
			if math.Abs(right-left) > 5e-2*math.Max(1, math.Abs(right)) {
				skipped++
				continue
			}
			num := (up - down) / (2 * h)
			ana := float64(prm.g[i])
			// Kinks just outside the step still blur the slope of a weight
			// early in the network by a few per cent (they shrink with h:
			// each layer is checked exactly in TestConvBackward).
			if math.Abs(num-ana) > 5e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("%s[%d]: analytic %.5f, numeric %.5f", prm.name, i, ana, num)
			}
			checked++
		}
	}
	if skipped*10 > checked {
		t.Fatalf("%d weights at a kink, %d checked", skipped, checked)
	}
}

func TestMaxPoolAndUpsampleAdjoint(t *testing.T) {
	// <up(x), y> == <x, upᵀ(y)>: the backward of a linear map is its adjoint.
	rng := rand.New(rand.NewPCG(7, 8))
	p := newPool(context.Background(), 2)
	x := randTensor(rng, 3, 2, 4, 5)
	y := randTensor(rng, 3, 2, 8, 10)
	up := newTensor(3, 2, 8, 10)
	upsample2Into(p, up, 0, x)
	back := upsample2Backward(p, y, 0, 3)
	var l, r float64
	for i := range up.D {
		l += float64(up.D[i] * y.D[i])
	}
	for i := range x.D {
		r += float64(x.D[i] * back.D[i])
	}
	if math.Abs(l-r) > 1e-3 {
		t.Fatalf("upsample: %v != %v", l, r)
	}
	pooled, arg := maxPool2(p, y)
	dy := randTensor(rng, 3, 2, 4, 5)
	dx := maxPool2Backward(p, dy, arg, 8, 10)
	var s1, s2 float64
	for i := range dy.D {
		s1 += float64(dy.D[i])
	}
	for i := range dx.D {
		s2 += float64(dx.D[i])
		if dx.D[i] != 0 {
			// a routed gradient sits where the max was
			found := false
			for j := range pooled.D {
				if pooled.D[j] == y.D[i] {
					found = true
				}
			}
			if !found {
				t.Fatalf("gradient at %d, which is no maximum", i)
			}
		}
	}
	if math.Abs(s1-s2) > 1e-3 {
		t.Fatalf("maxpool moves %v of %v", s2, s1)
	}
}

// TestConvBackward checks convBackward against central differences of the
// linear loss Σ y·r, for every weight, bias and input value.
func TestConvBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	p := newPool(context.Background(), 2)
	for _, k := range []int{1, 3} {
		x := randTensor(rng, 3, 3, 7, 11) // 231 pixels: chunks end mid-row
		cout := 4
		w := randTensor(rng, cout*3*k*k, 1, 1, 1).D
		b := randTensor(rng, cout, 1, 1, 1).D
		r := randTensor(rng, cout, 3, 7, 11)
		loss := func() float64 {
			y := convForward(p, x, w, b, cout, k)
			s := 0.0
			for i := range y.D {
				s += float64(y.D[i] * r.D[i])
			}
			return s
		}
		gw := make([]float32, len(w))
		gb := make([]float32, len(b))
		dx := convBackward(p, x, r, w, cout, k, gw, gb, true)
		const h = 1e-2 // the loss is linear in each value: h only trades rounding
		for _, c := range []struct {
			name string
			v, g []float32
		}{{"w", w, gw}, {"b", b, gb}, {"x", x.D, dx.D}} {
			for i := range c.v {
				old := c.v[i]
				c.v[i] = old + h
				up := loss()
				c.v[i] = old - h
				down := loss()
				c.v[i] = old
				num := (up - down) / (2 * h)
				if math.Abs(num-float64(c.g[i])) > 1e-3*math.Max(1, math.Abs(num)) {
					t.Errorf("k=%d %s[%d]: analytic %v, numeric %v", k, c.name, i, c.g[i], num)
				}
			}
		}
	}
}

// TestBatchNormBackward checks backwardReLU against central differences of
// Σ y·r, for z, gamma and beta, with batch statistics as in training.
func TestBatchNormBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := newPool(context.Background(), 2)
	bn := newBatchNorm("bn", 3)
	for i := range bn.gamma.v {
		bn.gamma.v[i] = float32(0.5 + rng.Float64())
		bn.beta.v[i] = float32(rng.NormFloat64() * 0.3)
	}
	z := randTensor(rng, 3, 2, 4, 5)
	r := randTensor(rng, 3, 2, 4, 5)
	loss := func() float64 {
		mean, invStd := batchStats(p, z)
		y := bn.forwardReLU(p, z, mean, invStd)
		s := 0.0
		for i := range y.D {
			s += float64(y.D[i]) * float64(r.D[i])
		}
		return s
	}
	mean, invStd := batchStats(p, z)
	y := bn.forwardReLU(p, z, mean, invStd)
	dy := &tensor{C: r.C, N: r.N, H: r.H, W: r.W, D: append([]float32(nil), r.D...)}
	dz := bn.backwardReLU(p, z, y, dy, mean, invStd)
	const h = 1e-3
	for _, c := range []struct {
		name string
		v, g []float32
	}{{"z", z.D, dz.D}, {"gamma", bn.gamma.v, bn.gamma.g}, {"beta", bn.beta.v, bn.beta.g}} {
		for i := range c.v {
			old := c.v[i]
			c.v[i] = old + h
			up := loss()
			c.v[i] = old - h
			down := loss()
			c.v[i] = old
			num := (up - down) / (2 * h)
			if math.Abs(num-float64(c.g[i])) > 1e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("%s[%d]: analytic %v, numeric %v", c.name, i, c.g[i], num)
			}
		}
	}
}
