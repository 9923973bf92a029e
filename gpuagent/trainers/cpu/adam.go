package cpu

import "math"

// adam is the Adam optimiser (Kingma & Ba) with bias correction.
type adam struct {
	beta1, beta2, eps float64
	t                 int
	m, v              [][]float32
}

func newAdam(params []*param) *adam {
	o := &adam{beta1: 0.9, beta2: 0.999, eps: 1e-8}
	for _, p := range params {
		o.m = append(o.m, make([]float32, len(p.v)))
		o.v = append(o.v, make([]float32, len(p.v)))
	}
	return o
}

// step moves every param against its gradient with learning rate lr.
func (o *adam) step(params []*param, lr float64) {
	o.t++
	b1, b2 := float32(o.beta1), float32(o.beta2)
	c1 := 1 - math.Pow(o.beta1, float64(o.t))
	c2 := 1 - math.Pow(o.beta2, float64(o.t))
	// lr·m̂/(√v̂+ε) with m̂ = m/c1, v̂ = v/c2, folded into one step size.
	a := float32(lr * math.Sqrt(c2) / c1)
	eps := float32(o.eps * math.Sqrt(c2))
	for i, p := range params {
		m, v := o.m[i], o.v[i]
		for j, g := range p.g {
			m[j] = b1*m[j] + (1-b1)*g
			v[j] = b2*v[j] + (1-b2)*g*g
			p.v[j] -= a * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
		}
	}
}
