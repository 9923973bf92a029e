package cpu

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func TestToPlanes(t *testing.T) {
	g16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	g16.SetGray16(1, 0, color.Gray16{Y: 65535})
	if p := toPlanes(g16, 1); p.d[0] != 0 || p.d[1] != 1 {
		t.Errorf("gray16: %v", p.d)
	}
	rgba := image.NewNRGBA(image.Rect(5, 5, 6, 6)) // bounds not at the origin
	rgba.SetNRGBA(5, 5, color.NRGBA{R: 255, G: 0, B: 51, A: 0})
	p := toPlanes(rgba, 3)
	if p.d[0] != 1 || p.d[1] != 0 || math.Abs(float64(p.d[2])-0.2) > 1e-6 {
		t.Errorf("nrgba with alpha 0: %v (colour kept, alpha dropped)", p.d)
	}
	if p := toPlanes(rgba, 1); math.Abs(float64(p.d[0])-(0.299+0.114*0.2)) > 1e-6 {
		t.Errorf("colour to grey: %v", p.d)
	}
	gray := image.NewGray(image.Rect(0, 0, 1, 1))
	gray.Pix[0] = 51
	if p := toPlanes(gray, 3); p.d[0] != p.d[1] || p.d[1] != p.d[2] || math.Abs(float64(p.d[0])-0.2) > 1e-6 {
		t.Errorf("grey to colour: %v", p.d)
	}
	// Other types go through the generic path: premultiplied RGBA64.
	r64 := image.NewRGBA64(image.Rect(0, 0, 1, 1))
	r64.SetRGBA64(0, 0, color.RGBA64{R: 32768, G: 32768, B: 32768, A: 65535})
	if p := toPlanes(r64, 3); math.Abs(float64(p.d[0])-0.5) > 1e-4 {
		t.Errorf("rgba64: %v", p.d)
	}
	if !isGreyModel(color.Gray16Model) || isGreyModel(color.NRGBAModel) ||
		!isGreyModel(color.Palette{color.Gray{0}, color.Gray{9}}) || isGreyModel(color.Palette{color.RGBA{1, 2, 3, 255}}) {
		t.Error("isGreyModel")
	}
}
