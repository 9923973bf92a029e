package labels

import (
	"image"
	"image/color"
)

// ColourPreview colours a class-index mask with the schema's colours in the
// named colour scheme (a class without one uses its "default" colour).
// Background is transparent; a value no class has is opaque grey.
func ColourPreview(mask *image.Gray, sch Schema, scheme string) *image.RGBA {
	r := mask.Rect
	out := image.NewRGBA(r)
	var lut [256]color.RGBA
	for i, c := range sch.Classes() {
		if i+1 > MaxClasses {
			break
		}
		rgb := c.Colour(scheme)
		lut[i+1] = color.RGBA{rgb[0], rgb[1], rgb[2], 255}
	}
	for v := len(sch.Classes()) + 1; v < 256; v++ {
		lut[v] = color.RGBA{128, 128, 128, 255}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := mask.Pix[(y-r.Min.Y)*mask.Stride : (y-r.Min.Y)*mask.Stride+r.Dx()]
		dst := out.Pix[(y-r.Min.Y)*out.Stride:]
		for x, v := range src {
			c := lut[v]
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
	return out
}
