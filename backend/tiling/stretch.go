package tiling

import (
	"image"
	"image/color"
	"math"
)

// Stretch maps 16-bit channel values to 8 bits for display: Low and above
// go to 0, High and above to 255, linearly between. Channels are R, G, B, A
// (grey uses the first).
type Stretch struct{ Low, High [4]uint16 }

// Percentiles of each channel that ComputeStretch maps to 0 and 255.
const (
	stretchLow  = 0.005
	stretchHigh = 0.995
)

// stretchSamples is about how many pixels ComputeStretch looks at.
const stretchSamples = 1 << 21

// is16 reports whether img holds 16-bit channels.
func is16(img image.Image) bool {
	switch img.(type) {
	case *image.Gray16, *image.RGBA64, *image.NRGBA64:
		return true
	}
	switch img.ColorModel() {
	case color.Gray16Model, color.RGBA64Model, color.NRGBA64Model, color.Alpha16Model:
		return true
	}
	return false
}

// ComputeStretch finds, per channel, the 0.5th and 99.5th percentiles of a
// 16-bit image from a histogram of an even sample of about two million
// pixels. Microscope and scientific images often use a small part of the
// 16-bit range, and would look black shown as value/257. Alpha is not
// stretched. For an 8-bit image it returns the identity (0 to 65535).
func ComputeStretch(img image.Image) Stretch {
	s := Stretch{High: [4]uint16{0xffff, 0xffff, 0xffff, 0xffff}}
	if !is16(img) {
		return s
	}
	b := img.Bounds()
	step := max(1, int(math.Sqrt(float64(b.Dx())*float64(b.Dy())/stretchSamples)))
	hist := make([][65536]uint32, 3)
	var total int
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			switch m := img.(type) {
			case *image.Gray16:
				i := m.PixOffset(x, y)
				hist[0][uint16(m.Pix[i])<<8|uint16(m.Pix[i+1])]++
			case *image.RGBA64:
				hist3(hist, m.Pix[m.PixOffset(x, y):])
			case *image.NRGBA64:
				hist3(hist, m.Pix[m.PixOffset(x, y):])
			default:
				c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
				hist[0][c.R]++
				hist[1][c.G]++
				hist[2][c.B]++
			}
			total++
		}
	}
	channels := 3
	if _, ok := img.(*image.Gray16); ok {
		channels = 1
	}
	for c := range channels {
		s.Low[c], s.High[c] = percentiles(&hist[c], total)
	}
	if channels == 1 {
		s.Low[1], s.Low[2] = s.Low[0], s.Low[0]
		s.High[1], s.High[2] = s.High[0], s.High[0]
	}
	return s
}

// hist3 counts the R, G and B values of one big-endian 16-bit pixel.
func hist3(hist [][65536]uint32, p []byte) {
	for c := range 3 {
		hist[c][uint16(p[2*c])<<8|uint16(p[2*c+1])]++
	}
}

func percentiles(h *[65536]uint32, total int) (lo, hi uint16) {
	loN, hiN := uint64(float64(total)*stretchLow), uint64(math.Ceil(float64(total)*stretchHigh))
	var sum uint64
	found := false
	for v, n := range h {
		sum += uint64(n)
		if !found && sum > loN {
			lo, found = uint16(v), true
		}
		if sum >= hiN {
			hi = uint16(v)
			break
		}
	}
	if hi <= lo {
		if lo == 0xffff {
			lo--
		}
		hi = lo + 1
	}
	return lo, hi
}

// lut is a 16-bit to 8-bit table for one channel.
type lut [65536]uint8

func (s *Stretch) luts() *[4]lut {
	var t [4]lut
	for c := range 4 {
		lo, hi := uint32(s.Low[c]), uint32(s.High[c])
		if hi <= lo {
			hi = lo + 1
		}
		span := hi - lo
		for v := range uint32(65536) {
			switch {
			case v <= lo:
				t[c][v] = 0
			case v >= hi:
				t[c][v] = 255
			default:
				t[c][v] = uint8(((v-lo)*255 + span/2) / span)
			}
		}
	}
	return &t
}

// Display8 returns an 8-bit image for showing img: a 16-bit image is mapped
// through s (computed with ComputeStretch when s is nil) into a new
// *image.Gray or *image.NRGBA (alpha is scaled, not stretched); an 8-bit
// image is returned as it is.
func Display8(img image.Image, s *Stretch) image.Image {
	if !is16(img) {
		return img
	}
	if s == nil {
		st := ComputeStretch(img)
		s = &st
	}
	t := s.luts()
	b := img.Bounds()
	if m, ok := img.(*image.Gray16); ok {
		d := image.NewGray(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			src, dst := m.Pix[m.PixOffset(b.Min.X, y):], d.Pix[d.PixOffset(b.Min.X, y):]
			for i := range b.Dx() {
				dst[i] = t[0][uint16(src[2*i])<<8|uint16(src[2*i+1])]
			}
		}
		return d
	}
	d := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		dst := d.Pix[d.PixOffset(b.Min.X, y):]
		for i := range b.Dx() {
			c := nrgba64At(img, b.Min.X+i, y)
			dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = t[0][c.R], t[1][c.G], t[2][c.B], uint8(c.A>>8)
		}
	}
	return d
}

// nrgba64At reads a pixel as non-premultiplied 16-bit, directly from the
// pixel slice for the 16-bit types.
func nrgba64At(img image.Image, x, y int) color.NRGBA64 {
	switch m := img.(type) {
	case *image.NRGBA64:
		return m.NRGBA64At(x, y)
	case *image.RGBA64:
		c := m.RGBA64At(x, y)
		if c.A == 0xffff {
			return color.NRGBA64{c.R, c.G, c.B, c.A}
		}
	}
	return color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
}
