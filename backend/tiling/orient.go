package tiling

import (
	"image"
	"image/color"
)

// orientMap gives, for an EXIF orientation and a source of w × h, the source
// pixel shown at (x, y) of the upright image: sx = cx + ax·x + bx·y,
// sy = cy + ay·x + by·y.
func orientMap(o, w, h int) (ax, bx, cx, ay, by, cy int) {
	switch o {
	case 2: // mirrored left to right
		return -1, 0, w - 1, 0, 1, 0
	case 3: // turned 180°
		return -1, 0, w - 1, 0, -1, h - 1
	case 4: // mirrored top to bottom
		return 1, 0, 0, 0, -1, h - 1
	case 5: // transposed
		return 0, 1, 0, 1, 0, 0
	case 6: // needs a quarter turn clockwise
		return 0, 1, 0, -1, 0, h - 1
	case 7: // transversed
		return 0, -1, w - 1, -1, 0, h - 1
	case 8: // needs a quarter turn anticlockwise
		return 0, -1, w - 1, 1, 0, 0
	}
	return 1, 0, 0, 0, 1, 0
}

// orient returns img turned and flipped upright for EXIF orientation o. It
// makes one copy: 4:4:4 YCbCr for YCbCr (so every pixel keeps its exact
// colour whatever the chroma subsampling), the same type for Gray and CMYK,
// and RGBA64 for anything else.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	ax, bx, cx, ay, by, cy := orientMap(o, w, h)
	r := image.Rect(0, 0, dw, dh)
	// each visits every pixel of the upright image with its source point.
	each := func(fn func(di, sx, sy int), stride int) {
		for y := range dh {
			sx, sy := cx+bx*y+b.Min.X, cy+by*y+b.Min.Y
			di := y * stride
			for range dw {
				fn(di, sx, sy)
				sx += ax
				sy += ay
				di++
			}
		}
	}
	switch m := img.(type) {
	case *image.YCbCr:
		d := image.NewYCbCr(r, image.YCbCrSubsampleRatio444)
		each(func(di, sx, sy int) {
			ci := m.COffset(sx, sy)
			d.Y[di], d.Cb[di], d.Cr[di] = m.Y[m.YOffset(sx, sy)], m.Cb[ci], m.Cr[ci]
		}, d.YStride)
		return d
	case *image.Gray:
		d := image.NewGray(r)
		each(func(di, sx, sy int) { d.Pix[di] = m.Pix[m.PixOffset(sx, sy)] }, d.Stride)
		return d
	case *image.CMYK:
		d := image.NewCMYK(r)
		each(func(di, sx, sy int) {
			si := m.PixOffset(sx, sy)
			copy(d.Pix[4*di:4*di+4], m.Pix[si:si+4])
		}, d.Stride/4)
		return d
	}
	d := image.NewRGBA64(r)
	each(func(di, sx, sy int) {
		c := color.RGBA64Model.Convert(img.At(sx, sy)).(color.RGBA64)
		d.SetRGBA64(di%dw, di/dw, c)
	}, dw)
	return d
}
