package cpu

import "math/rand/v2"

// trainBatch lays the samples out as one network input on a canvas×canvas
// square each, padded with zeros (the normalised mean) and unlabelled
// pixels, at a random offset and turned by a random one of the eight
// flips and quarter turns.
func (ds *dataset) trainBatch(samples []*sample, rng *rand.Rand) (*tensor, []uint8) {
	s := ds.canvas
	x := newTensor(ds.channels, len(samples), s, s)
	labels := make([]uint8, x.pixels())
	for n, t := range samples {
		oy, ox := rng.IntN(s-t.sh+1), rng.IntN(s-t.sw+1)
		d := rng.IntN(8)
		px := t.sw * t.sh
		for y := 0; y < s; y++ {
			for xx := 0; xx < s; xx++ {
				// where (y, xx) of the turned canvas comes from
				cy, cx := y, xx
				if d&4 != 0 {
					cy, cx = cx, cy
				}
				if d&1 != 0 {
					cx = s - 1 - cx
				}
				if d&2 != 0 {
					cy = s - 1 - cy
				}
				sy, sx := cy-oy, cx-ox
				q := (n*s+y)*s + xx
				if sy < 0 || sy >= t.sh || sx < 0 || sx >= t.sw {
					labels[q] = ignoreSlot
					continue
				}
				i := sy*t.sw + sx
				labels[q] = t.mask[i]
				for c := 0; c < ds.channels; c++ {
					x.D[c*x.pixels()+q] = t.img[c*px+i]
				}
			}
		}
	}
	return x, labels
}

// padBatch lays samples out as they are, at the top left of h×w (each at
// most that size), as Predict does with one image.
func padBatch(samples []*sample, channels, h, w int) (*tensor, []uint8) {
	x := newTensor(channels, len(samples), h, w)
	labels := make([]uint8, x.pixels())
	for i := range labels {
		labels[i] = ignoreSlot
	}
	for n, t := range samples {
		px := t.sw * t.sh
		for y := 0; y < t.sh; y++ {
			q := (n*h + y) * w
			copy(labels[q:q+t.sw], t.mask[y*t.sw:(y+1)*t.sw])
			for c := 0; c < channels; c++ {
				copy(x.D[c*x.pixels()+q:c*x.pixels()+q+t.sw], t.img[c*px+y*t.sw:c*px+(y+1)*t.sw])
			}
		}
	}
	return x, labels
}
