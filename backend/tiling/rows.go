package tiling

import (
	"image"
	"image/color"
)

// pixFormat is how a tile's pixels are stored: 1 grey, 2 grey+alpha, 3 RGB
// or 4 RGBA channels of 8 or 16 bits, big-endian, as PNG stores them.
type pixFormat struct{ channels, depth int }

func (p pixFormat) bytesPerPixel() int { return p.channels * p.depth / 8 }

// rowFunc writes n pixels of row y, from column x on (image coordinates),
// into dst in the layout of its pixFormat.
type rowFunc func(dst []byte, x, y, n int)

// tileRows picks the lossless PNG layout for img and the function that
// fills its rows. The layout keeps the decoded bit depth, keeps grey as grey
// and drops alpha only where every pixel is opaque. channels is a hint from
// Info.Channels (0 for none): grey (1 or 2) is used for a colour type only
// when every pixel has R = G = B, so the hint can never lose data.
func tileRows(img image.Image, channels int) (pixFormat, rowFunc) {
	wantGrey := channels == 1 || channels == 2
	switch m := img.(type) {
	case *image.Gray:
		return pixFormat{1, 8}, func(d []byte, x, y, n int) {
			i := m.PixOffset(x, y)
			copy(d, m.Pix[i:i+n])
		}
	case *image.Gray16:
		return pixFormat{1, 16}, func(d []byte, x, y, n int) {
			i := m.PixOffset(x, y)
			copy(d, m.Pix[i:i+2*n])
		}
	case *image.NRGBA:
		return rows8(m.Pix, m.Stride, m.PixOffset, m.Opaque(), wantGrey && grey4(m.Pix, m.Stride, m.Rect, 1), false)
	case *image.RGBA:
		return rows8(m.Pix, m.Stride, m.PixOffset, m.Opaque(), wantGrey && grey4(m.Pix, m.Stride, m.Rect, 1), true)
	case *image.NRGBA64:
		return rows16(m.Pix, m.Stride, m.PixOffset, m.Opaque(), wantGrey && grey4(m.Pix, m.Stride, m.Rect, 2), false)
	case *image.RGBA64:
		return rows16(m.Pix, m.Stride, m.PixOffset, m.Opaque(), wantGrey && grey4(m.Pix, m.Stride, m.Rect, 2), true)
	case *image.YCbCr:
		return pixFormat{3, 8}, func(d []byte, x, y, n int) { ycbcrRow(d, m, x, y, n, nil) }
	case *image.NYCbCrA:
		if m.Opaque() {
			return pixFormat{3, 8}, func(d []byte, x, y, n int) { ycbcrRow(d, &m.YCbCr, x, y, n, nil) }
		}
		return pixFormat{4, 8}, func(d []byte, x, y, n int) {
			i := m.AOffset(x, y)
			ycbcrRow(d, &m.YCbCr, x, y, n, m.A[i:i+n])
		}
	case *image.Paletted:
		return palettedRows(m)
	case *image.CMYK:
		return pixFormat{3, 8}, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):]
			for i := range n {
				d[3*i], d[3*i+1], d[3*i+2] = color.CMYKToRGB(s[4*i], s[4*i+1], s[4*i+2], s[4*i+3])
			}
		}
	}
	return genericRows(img)
}

// grey4 reports whether every pixel of a 4-channel image with bpc bytes a
// channel has R = G = B.
func grey4(pix []byte, stride int, r image.Rectangle, bpc int) bool {
	w := r.Dx() * 4 * bpc
	for y := range r.Dy() {
		row := pix[y*stride : y*stride+w]
		for i := 0; i < len(row); i += 4 * bpc {
			for k := range bpc {
				if row[i+k] != row[i+bpc+k] || row[i+k] != row[i+2*bpc+k] {
					return false
				}
			}
		}
	}
	return true
}

// unpremul8 undoes alpha premultiplication exactly as color.NRGBAModel does.
func unpremul8(c, a byte) byte {
	if a == 0 {
		return 0
	}
	return byte((uint32(c) * 0x101 * 0xffff / (uint32(a) * 0x101)) >> 8)
}

// unpremul16 is unpremul8 for 16-bit values (color.NRGBA64Model).
func unpremul16(c, a uint32) uint32 {
	if a == 0 {
		return 0
	}
	return c * 0xffff / a
}

// rows8 serves RGBA and NRGBA.
func rows8(pix []byte, stride int, offset func(x, y int) int, opaque, grey, premul bool) (pixFormat, rowFunc) {
	switch {
	case opaque && grey:
		return pixFormat{1, 8}, func(d []byte, x, y, n int) {
			s := pix[offset(x, y):]
			for i := range n {
				d[i] = s[4*i]
			}
		}
	case opaque:
		return pixFormat{3, 8}, func(d []byte, x, y, n int) {
			s := pix[offset(x, y):][: 4*n : 4*n]
			d = d[: 3*n : 3*n]
			for i, j := 0, 0; i < len(s); i, j = i+4, j+3 {
				d[j], d[j+1], d[j+2] = s[i], s[i+1], s[i+2]
			}
		}
	case grey:
		return pixFormat{2, 8}, func(d []byte, x, y, n int) {
			s := pix[offset(x, y):]
			for i := range n {
				c, a := s[4*i], s[4*i+3]
				if premul && a != 0xff {
					c = unpremul8(c, a)
				}
				d[2*i], d[2*i+1] = c, a
			}
		}
	case !premul:
		return pixFormat{4, 8}, func(d []byte, x, y, n int) {
			i := offset(x, y)
			copy(d, pix[i:i+4*n])
		}
	}
	return pixFormat{4, 8}, func(d []byte, x, y, n int) {
		s := pix[offset(x, y):]
		for i := 0; i < 4*n; i += 4 {
			a := s[i+3]
			if a == 0xff {
				copy(d[i:i+4], s[i:i+4])
				continue
			}
			d[i], d[i+1], d[i+2], d[i+3] = unpremul8(s[i], a), unpremul8(s[i+1], a), unpremul8(s[i+2], a), a
		}
	}
}

// rows16 serves RGBA64 and NRGBA64 (big-endian 16-bit channels).
func rows16(pix []byte, stride int, offset func(x, y int) int, opaque, grey, premul bool) (pixFormat, rowFunc) {
	u16 := func(b []byte) uint32 { return uint32(b[0])<<8 | uint32(b[1]) }
	put := func(d []byte, v uint32) { d[0], d[1] = byte(v>>8), byte(v) }
	switch {
	case opaque && grey:
		return pixFormat{1, 16}, func(d []byte, x, y, n int) {
			s := pix[offset(x, y):]
			for i := range n {
				d[2*i], d[2*i+1] = s[8*i], s[8*i+1]
			}
		}
	case opaque:
		return pixFormat{3, 16}, func(d []byte, x, y, n int) {
			s := pix[offset(x, y):]
			for i := range n {
				copy(d[6*i:6*i+6], s[8*i:8*i+6])
			}
		}
	case grey:
		return pixFormat{2, 16}, func(d []byte, x, y, n int) {
			s := pix[offset(x, y):]
			for i := range n {
				c, a := u16(s[8*i:]), u16(s[8*i+6:])
				if premul {
					c = unpremul16(c, a)
				}
				put(d[4*i:], c)
				put(d[4*i+2:], a)
			}
		}
	case !premul:
		return pixFormat{4, 16}, func(d []byte, x, y, n int) {
			i := offset(x, y)
			copy(d, pix[i:i+8*n])
		}
	}
	return pixFormat{4, 16}, func(d []byte, x, y, n int) {
		s := pix[offset(x, y):]
		for i := 0; i < 8*n; i += 8 {
			a := u16(s[i+6:])
			for k := 0; k < 6; k += 2 {
				put(d[i+k:], unpremul16(u16(s[i+k:]), a))
			}
			put(d[i+6:], a)
		}
	}
}

// ycbcrRow converts a row of YCbCr (with alpha a, when not nil) to RGB(A).
func ycbcrRow(d []byte, m *image.YCbCr, x, y, n int, a []byte) {
	hs, vs := chromaShift(m.SubsampleRatio)
	yi := m.YOffset(x, y)
	cBase := (y>>vs-m.Rect.Min.Y>>vs)*m.CStride - m.Rect.Min.X>>hs
	bpp := 3
	if a != nil {
		bpp = 4
	}
	for i := range n {
		ci := cBase + (x+i)>>hs
		r, g, b := ycbcrToRGB(m.Y[yi+i], m.Cb[ci], m.Cr[ci])
		j := bpp * i
		d[j], d[j+1], d[j+2] = r, g, b
		if a != nil {
			d[j+3] = a[i]
		}
	}
}

// chromaShift gives the horizontal and vertical chroma subsampling shifts.
func chromaShift(r image.YCbCrSubsampleRatio) (h, v uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

// ycbcrToRGB is color.YCbCrToRGB, the same integer arithmetic, written so
// that the compiler inlines it into the row loops (a test compares them).
func ycbcrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy1 := int32(y) * 0x10101
	cb1 := int32(cb) - 128
	cr1 := int32(cr) - 128
	return clamp16(yy1 + 91881*cr1), clamp16(yy1 - 22554*cb1 - 46802*cr1), clamp16(yy1 + 116130*cb1)
}

// clamp16 takes the 8 bits above bit 16 of v, clamped to 0..255.
func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// palettedRows expands palette indices through a table of the palette's
// non-premultiplied colours, to grey when every colour used is grey.
func palettedRows(m *image.Paletted) (pixFormat, rowFunc) {
	var lut [256][4]byte
	opaque, grey := true, true
	for i, c := range m.Palette {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		lut[i] = [4]byte{n.R, n.G, n.B, n.A}
	}
	for _, i := range usedIndices(m) {
		c := lut[i]
		opaque = opaque && c[3] == 0xff
		grey = grey && c[0] == c[1] && c[0] == c[2]
	}
	f := pixFormat{3, 8}
	switch {
	case grey && opaque:
		f = pixFormat{1, 8}
	case grey:
		f = pixFormat{2, 8}
	case !opaque:
		f = pixFormat{4, 8}
	}
	return f, func(d []byte, x, y, n int) {
		s := m.Pix[m.PixOffset(x, y):]
		for i := range n {
			c := &lut[s[i]]
			switch f.channels {
			case 1:
				d[i] = c[0]
			case 2:
				d[2*i], d[2*i+1] = c[0], c[3]
			case 3:
				d[3*i], d[3*i+1], d[3*i+2] = c[0], c[1], c[2]
			default:
				copy(d[4*i:4*i+4], c[:])
			}
		}
	}
}

// usedIndices lists the palette indices that appear in m.
func usedIndices(m *image.Paletted) []int {
	var seen [256]bool
	b := m.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		i := m.PixOffset(b.Min.X, y)
		for _, p := range m.Pix[i : i+b.Dx()] {
			seen[p] = true
		}
	}
	var out []int
	for i, s := range seen {
		if s {
			out = append(out, i)
		}
	}
	return out
}

// genericRows serves any other image through At: RGBA, 16-bit when the
// colour model is a 16-bit one.
func genericRows(img image.Image) (pixFormat, rowFunc) {
	switch img.ColorModel() {
	case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model, color.Alpha16Model:
		return pixFormat{4, 16}, func(d []byte, x, y, n int) {
			for i := range n {
				c := color.NRGBA64Model.Convert(img.At(x+i, y)).(color.NRGBA64)
				j := 8 * i
				d[j], d[j+1], d[j+2], d[j+3] = byte(c.R>>8), byte(c.R), byte(c.G>>8), byte(c.G)
				d[j+4], d[j+5], d[j+6], d[j+7] = byte(c.B>>8), byte(c.B), byte(c.A>>8), byte(c.A)
			}
		}
	}
	return pixFormat{4, 8}, func(d []byte, x, y, n int) {
		for i := range n {
			c := color.NRGBAModel.Convert(img.At(x+i, y)).(color.NRGBA)
			d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = c.R, c.G, c.B, c.A
		}
	}
}
