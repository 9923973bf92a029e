package tiling

import (
	"image"
	"image/color"
)

// displayRows is the 8-bit view of img that thumbnails and the pyramid are
// made from: 1 channel (grey) for grey images, 3 (RGB) for the rest, 16-bit
// values mapped through t (nil for 8-bit images), and any transparency
// composited over white.
func displayRows(img image.Image, t *[4]lut) (channels int, rows rowFunc) {
	switch m := img.(type) {
	case *image.Gray:
		return 1, func(d []byte, x, y, n int) {
			i := m.PixOffset(x, y)
			copy(d, m.Pix[i:i+n])
		}
	case *image.Gray16:
		return 1, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):]
			for i := range n {
				d[i] = t[0][uint16(s[2*i])<<8|uint16(s[2*i+1])]
			}
		}
	case *image.YCbCr:
		return 3, func(d []byte, x, y, n int) { ycbcrRow(d, m, x, y, n, nil) }
	case *image.RGBA:
		return 3, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):][: 4*n : 4*n]
			d = d[: 3*n : 3*n]
			for i, j := 0, 0; i < len(s); i, j = i+4, j+3 {
				if a := s[i+3]; a == 0xff {
					d[j], d[j+1], d[j+2] = s[i], s[i+1], s[i+2]
				} else {
					d[j], d[j+1], d[j+2] = overWhitePremul(s[i], a), overWhitePremul(s[i+1], a), overWhitePremul(s[i+2], a)
				}
			}
		}
	case *image.NRGBA:
		return 3, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):]
			for i := range n {
				a := s[4*i+3]
				for c := range 3 {
					d[3*i+c] = overWhite(s[4*i+c], a)
				}
			}
		}
	case *image.NYCbCrA:
		return 3, func(d []byte, x, y, n int) {
			ycbcrRow(d, &m.YCbCr, x, y, n, nil)
			a := m.A[m.AOffset(x, y):]
			for i := range 3 * n {
				d[i] = overWhite(d[i], a[i/3])
			}
		}
	case *image.Paletted:
		var pal [256][3]byte
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]byte{overWhite(n.R, n.A), overWhite(n.G, n.A), overWhite(n.B, n.A)}
		}
		return 3, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):]
			for i := range n {
				copy(d[3*i:3*i+3], pal[s[i]][:])
			}
		}
	case *image.RGBA64:
		return 3, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):]
			for i := range n {
				p := s[8*i : 8*i+8]
				a := uint32(p[6])<<8 | uint32(p[7])
				for c := range 3 {
					v := min(uint32(p[2*c])<<8|uint32(p[2*c+1])+0xffff-a, 0xffff)
					d[3*i+c] = t[c][v]
				}
			}
		}
	case *image.NRGBA64:
		return 3, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):]
			for i := range n {
				p := s[8*i : 8*i+8]
				a := uint32(p[6])<<8 | uint32(p[7])
				for c := range 3 {
					v := uint32(p[2*c])<<8 | uint32(p[2*c+1])
					if a != 0xffff {
						v = (v*a + 0xffff*(0xffff-a)) / 0xffff
					}
					d[3*i+c] = t[c][v]
				}
			}
		}
	case *image.CMYK:
		return 3, func(d []byte, x, y, n int) {
			s := m.Pix[m.PixOffset(x, y):]
			for i := range n {
				d[3*i], d[3*i+1], d[3*i+2] = color.CMYKToRGB(s[4*i], s[4*i+1], s[4*i+2], s[4*i+3])
			}
		}
	}
	// Anything else: premultiplied 16-bit values over white, then through t
	// or down to 8 bits.
	return 3, func(d []byte, x, y, n int) {
		for i := range n {
			r, g, b, a := img.At(x+i, y).RGBA()
			v := [3]uint32{r + 0xffff - a, g + 0xffff - a, b + 0xffff - a}
			for c := range 3 {
				v[c] = min(v[c], 0xffff)
				if t != nil {
					d[3*i+c] = t[c][v[c]]
				} else {
					d[3*i+c] = uint8(v[c] >> 8)
				}
			}
		}
	}
}

// overWhite composites a non-premultiplied value with alpha a over white.
func overWhite(c, a uint8) uint8 {
	if a == 0xff {
		return c
	}
	return uint8((uint32(c)*uint32(a) + 255*(255-uint32(a)) + 127) / 255)
}

// overWhitePremul composites a premultiplied value with alpha a over white.
func overWhitePremul(c, a uint8) uint8 {
	return uint8(min(uint32(c)+255-uint32(a), 255))
}
