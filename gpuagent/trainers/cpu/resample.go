package cpu

import "math"

// taps says, for each index of a resized axis, which source indices it
// reads and with what weights.
type taps struct {
	start []int
	w     [][]float32
}

// resampleTaps maps an axis of src samples to dst samples, aligning pixel
// centres. Shrinking averages each output's footprint (area resampling, so
// a 4× reduction of noise does not alias); growing or keeping the size is
// linear interpolation.
func resampleTaps(src, dst int) taps {
	t := taps{start: make([]int, dst), w: make([][]float32, dst)}
	ratio := float64(src) / float64(dst)
	for i := 0; i < dst; i++ {
		if dst < src {
			a, b := float64(i)*ratio, float64(i+1)*ratio
			j0, j1 := int(math.Floor(a)), min(int(math.Ceil(b)), src)
			ws := make([]float32, j1-j0)
			for j := j0; j < j1; j++ {
				ws[j-j0] = float32((math.Min(b, float64(j+1)) - math.Max(a, float64(j))) / ratio)
			}
			t.start[i], t.w[i] = j0, ws
			continue
		}
		s := (float64(i)+0.5)*ratio - 0.5
		s = math.Max(0, math.Min(s, float64(src-1)))
		j0 := int(s)
		f := float32(s - float64(j0))
		if j0+1 < src && f > 0 {
			t.start[i], t.w[i] = j0, []float32{1 - f, f}
		} else {
			t.start[i], t.w[i] = j0, []float32{1}
		}
	}
	return t
}

// resamplePlane resizes a w×h plane to nw×nh, columns first.
func resamplePlane(in []float32, w, h, nw, nh int) []float32 {
	if w == nw && h == nh {
		return append([]float32(nil), in...)
	}
	tx, ty := resampleTaps(w, nw), resampleTaps(h, nh)
	mid := make([]float32, nw*h)
	for y := 0; y < h; y++ {
		row := in[y*w : (y+1)*w]
		out := mid[y*nw : (y+1)*nw]
		for x := range out {
			var s float32
			for k, wt := range tx.w[x] {
				s += wt * row[tx.start[x]+k]
			}
			out[x] = s
		}
	}
	out := make([]float32, nw*nh)
	for y := 0; y < nh; y++ {
		o := out[y*nw : (y+1)*nw]
		for k, wt := range ty.w[y] {
			src := mid[(ty.start[y]+k)*nw : (ty.start[y]+k+1)*nw]
			for x, v := range src {
				o[x] += wt * v
			}
		}
	}
	return out
}

// nearestIndex maps output index i of an axis of dst samples to the source
// sample whose area holds its centre.
func nearestIndex(i, src, dst int) int {
	return min(src-1, int((float64(i)+0.5)*float64(src)/float64(dst)))
}

// resampleLabels resizes a class-slot plane by nearest neighbour.
func resampleLabels(in []uint8, w, h, nw, nh int) []uint8 {
	out := make([]uint8, nw*nh)
	xs := make([]int, nw)
	for x := range xs {
		xs[x] = nearestIndex(x, w, nw)
	}
	for y := 0; y < nh; y++ {
		row := in[nearestIndex(y, h, nh)*w:]
		for x, sx := range xs {
			out[y*nw+x] = row[sx]
		}
	}
	return out
}

// upsampleArgmax interpolates k logit planes of lw×lh (row stride ld, plane
// stride ps) linearly to w×h and writes each pixel's highest class slot to
// out (w·h). It never holds the enlarged planes, so the output can be
// large.
func upsampleArgmax(p *pool, logits []float32, k, lw, lh, ld, ps, w, h int, out []uint8) {
	tx, ty := resampleTaps(lw, w), resampleTaps(lh, h)
	p.run(h, func(_, y int) {
		scores := make([]float32, k)
		for x := 0; x < w; x++ {
			for c := 0; c < k; c++ {
				plane := logits[c*ps:]
				var s float32
				for i, wy := range ty.w[y] {
					row := plane[(ty.start[y]+i)*ld:]
					for j, wx := range tx.w[x] {
						s += wy * wx * row[tx.start[x]+j]
					}
				}
				scores[c] = s
			}
			best := 0
			for c := 1; c < k; c++ {
				if scores[c] > scores[best] {
					best = c
				}
			}
			out[y*w+x] = uint8(best)
		}
	})
}
