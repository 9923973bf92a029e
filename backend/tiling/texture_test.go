package tiling

import (
	"image"
	"math/rand/v2"
)

// texture makes a w × h opaque RGBA image that compresses like a photograph
// or a stained slide: smooth structure at several scales plus sensor noise.
func texture(w, h int, seed uint64) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 1))
	const cell = 64
	gw, gh := w/cell+2, h/cell+2
	lattice := make([][3]float64, gw*gh)
	for i := range lattice {
		lattice[i] = [3]float64{rng.Float64(), rng.Float64(), rng.Float64()}
	}
	noise := rand.New(rand.NewPCG(seed, 2))
	for y := range h {
		gy, fy := y/cell, float64(y%cell)/cell
		for x := range w {
			gx, fx := x/cell, float64(x%cell)/cell
			p := m.Pix[y*m.Stride+4*x:]
			for c := range 3 {
				a := lattice[gy*gw+gx][c]*(1-fx) + lattice[gy*gw+gx+1][c]*fx
				b := lattice[(gy+1)*gw+gx][c]*(1-fx) + lattice[(gy+1)*gw+gx+1][c]*fx
				v := 40 + 170*(a*(1-fy)+b*fy) + float64(int(noise.Uint32()%9)-4) + 10*float64((x^y)&3)/3
				p[c] = uint8(v)
			}
			p[3] = 0xff
		}
	}
	return m
}
