package cpu

import "math"

// ignoreSlot marks an unlabelled pixel in a label plane.
const ignoreSlot = 255

// softmaxCE is pixel-wise softmax cross-entropy over the classes of logits
// (one channel per class) against labels (one class slot per pixel,
// ignoreSlot to skip). It returns the loss summed over labelled pixels and
// their number. When grad is non-nil (logits' shape) it receives
// softmax − one-hot at labelled pixels and zero elsewhere: the gradient of
// the summed loss. When conf is non-nil, each labelled pixel's argmax is
// counted in it.
func softmaxCE(p *pool, logits *tensor, labels []uint8, grad *tensor, conf *confusion) (sum float64, count int) {
	k := logits.C
	np := logits.pixels()
	groups := min(gradGroups, np)
	sums := make([]float64, groups)
	counts := make([]int, groups)
	confs := make([]*confusion, groups)
	p.run(groups, func(_, g int) {
		var cf *confusion
		if conf != nil {
			cf = newConfusion(conf.k)
			confs[g] = cf
		}
		prob := make([]float64, k)
		var s float64
		var n int
		for q := g * np / groups; q < (g+1)*np/groups; q++ {
			lab := labels[q]
			if lab == ignoreSlot {
				if grad != nil {
					for c := 0; c < k; c++ {
						grad.D[c*np+q] = 0
					}
				}
				continue
			}
			best, arg := math.Inf(-1), 0
			for c := 0; c < k; c++ {
				v := float64(logits.D[c*np+q])
				prob[c] = v
				if v > best {
					best, arg = v, c
				}
			}
			var z float64
			for c := range prob {
				prob[c] = math.Exp(prob[c] - best)
				z += prob[c]
			}
			s += math.Log(z) - (float64(logits.D[int(lab)*np+q]) - best)
			n++
			if grad != nil {
				for c := 0; c < k; c++ {
					v := prob[c] / z
					if c == int(lab) {
						v--
					}
					grad.D[c*np+q] = float32(v)
				}
			}
			if cf != nil {
				cf.add(int(lab), arg)
			}
		}
		sums[g], counts[g] = s, n
	})
	for g := 0; g < groups; g++ {
		sum += sums[g]
		count += counts[g]
		if conf != nil && confs[g] != nil {
			conf.merge(confs[g])
		}
	}
	return sum, count
}
