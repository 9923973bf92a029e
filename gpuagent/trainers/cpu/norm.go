package cpu

import "math"

// batchNorm normalises each channel by the mean and variance of the batch
// while training, and by running averages of them afterwards, then scales
// by gamma and shifts by beta (Ioffe & Szegedy, 2015).
type batchNorm struct {
	gamma, beta *param
	mean, vari  *param // running statistics: buffers, not trained
	updates     int
}

const (
	bnEps      = 1e-5
	bnMomentum = 0.1 // weight of the newest batch in the running statistics
)

func newBatchNorm(name string, c int) *batchNorm {
	bn := &batchNorm{
		gamma: newParam(name+".weight", c), beta: newParam(name+".bias", c),
		mean: newParam(name+".running_mean", c), vari: newParam(name+".running_var", c),
	}
	bn.reset()
	return bn
}

func (bn *batchNorm) reset() {
	for i := range bn.gamma.v {
		bn.gamma.v[i], bn.beta.v[i], bn.mean.v[i], bn.vari.v[i] = 1, 0, 0, 1
	}
	bn.updates = 0
}

// batchStats returns each channel's mean and 1/√(variance+ε) over z.
func batchStats(p *pool, z *tensor) (mean, invStd []float32) {
	mean, invStd = make([]float32, z.C), make([]float32, z.C)
	p.run(z.C, func(_, c int) {
		plane := z.channel(c)
		var s float64
		for _, v := range plane {
			s += float64(v)
		}
		m := s / float64(len(plane))
		var ss float64
		for _, v := range plane {
			d := float64(v) - m
			ss += d * d
		}
		mean[c] = float32(m)
		invStd[c] = float32(1 / math.Sqrt(ss/float64(len(plane))+bnEps))
	})
	return mean, invStd
}

// runningStats is the inference-time counterpart of batchStats.
func (bn *batchNorm) runningStats() (mean, invStd []float32) {
	invStd = make([]float32, len(bn.vari.v))
	for c, v := range bn.vari.v {
		invStd[c] = float32(1 / math.Sqrt(float64(v)+bnEps))
	}
	return bn.mean.v, invStd
}

// update moves the running statistics toward a batch's: by bnMomentum,
// or, for the first ten batches, to the average of the batches so far, so
// that the running statistics are usable after the first epoch of a small
// training set.
func (bn *batchNorm) update(mean, invStd []float32, n int) {
	bn.updates++
	mom := max(bnMomentum, 1/float64(bn.updates))
	for c := range mean {
		v := 1/(float64(invStd[c])*float64(invStd[c])) - bnEps
		v *= float64(n) / float64(max(n-1, 1)) // unbiased, as PyTorch keeps it
		bn.mean.v[c] = float32((1-mom)*float64(bn.mean.v[c]) + mom*float64(mean[c]))
		bn.vari.v[c] = float32((1-mom)*float64(bn.vari.v[c]) + mom*v)
	}
}

// forwardReLU returns relu(gamma·(z − mean)·invStd + beta).
func (bn *batchNorm) forwardReLU(p *pool, z *tensor, mean, invStd []float32) *tensor {
	y := newTensor(z.C, z.N, z.H, z.W)
	p.run(z.C, func(_, c int) {
		a := bn.gamma.v[c] * invStd[c]
		b := bn.beta.v[c] - a*mean[c]
		out := y.channel(c)
		for i, v := range z.channel(c) {
			out[i] = max(0, a*v+b)
		}
	})
	return y
}

// backwardReLU takes dy at y = forwardReLU(z, batch statistics), adds the
// gamma and beta gradients, and returns the gradient at z (in dy's memory).
func (bn *batchNorm) backwardReLU(p *pool, z, y, dy *tensor, mean, invStd []float32) *tensor {
	n := float32(z.pixels())
	p.run(z.C, func(_, c int) {
		g, zc, yc := dy.channel(c), z.channel(c), y.channel(c)
		m, is := mean[c], invStd[c]
		var sg, sgx float64
		for i, v := range g {
			if yc[i] <= 0 {
				g[i] = 0
				continue
			}
			sg += float64(v)
			sgx += float64(v) * float64((zc[i]-m)*is)
		}
		bn.gamma.g[c] += float32(sgx)
		bn.beta.g[c] += float32(sg)
		k := bn.gamma.v[c] * is / n
		mg, mgx := float32(sg), float32(sgx)
		for i, v := range g {
			g[i] = k * (n*v - mg - (zc[i]-m)*is*mgx)
		}
	})
	return dy
}
