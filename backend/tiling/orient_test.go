package tiling

import (
	"image"
	"image/color"
	"testing"
)

// TestEXIFOrientation writes a JPEG whose quadrants are red, green, blue
// and white (top-left, top-right, bottom-left, bottom-right), tags it with
// each EXIF orientation and checks where each colour lands once Decode has
// turned it upright.
func TestEXIFOrientation(t *testing.T) {
	const w, h = 48, 32 // not square: a quarter turn must swap the sides
	red, green, blue, white := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{255, 255, 255, 255}
	src := image.NewRGBA(rect(w, h))
	for y := range h {
		for x := range w {
			c := [2][2]color.RGBA{{red, green}, {blue, white}}[y*2/h][x*2/w]
			src.SetRGBA(x, y, c)
		}
	}
	jpg := encodeJPEG(t, src, 95)
	// The upright image's corners, top-left, top-right, bottom-left,
	// bottom-right, for each orientation (EXIF 2.32, tag 0x0112).
	want := map[int][4]color.RGBA{
		1: {red, green, blue, white},
		2: {green, red, white, blue}, // mirrored
		3: {white, blue, green, red}, // 180°
		4: {blue, white, red, green}, // mirrored vertically
		5: {red, blue, green, white}, // transposed
		6: {blue, red, white, green}, // stored a quarter turn anticlockwise
		7: {white, green, blue, red}, // transversed
		8: {green, white, red, blue}, // stored a quarter turn clockwise
	}
	for o := 1; o <= 8; o++ {
		for _, be := range []bool{false, true} {
			dir := t.TempDir()
			path := writeFile(t, dir, "o.jpg", withEXIF(jpg, o, be))
			img, info, err := Decode(path, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			ww, hh := w, h
			if o >= 5 {
				ww, hh = h, w
			}
			b := img.Bounds()
			if info.Orientation != o || info.Width != ww || info.Height != hh || b.Dx() != ww || b.Dy() != hh {
				t.Fatalf("orientation %d: info %+v, image %v; want %d × %d", o, info, b, ww, hh)
			}
			corners := [4]image.Point{{2, 2}, {ww - 3, 2}, {2, hh - 3}, {ww - 3, hh - 3}}
			for i, p := range corners {
				got := color.RGBAModel.Convert(img.At(b.Min.X+p.X, b.Min.Y+p.Y)).(color.RGBA)
				if !near(got, want[o][i], 24) {
					t.Errorf("orientation %d (big-endian %v): corner %d = %v, want %v", o, be, i, got, want[o][i])
				}
			}
			// The tiles are crops of the upright image.
			checkTiles(t, img, info, 0, TileOptions{Size: 20, Dir: dir + "/tiles"})
		}
	}
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return abs(int(x)-int(y)) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestOrientGrey turns a grey JPEG and a CMYK image, which keep their types.
func TestOrientTypes(t *testing.T) {
	g := pattern(image.NewGray(rect(5, 3))).(*image.Gray)
	r := orient(g, 6).(*image.Gray)
	if r.Bounds().Dx() != 3 || r.Bounds().Dy() != 5 || r.GrayAt(2, 0) != g.GrayAt(0, 0) || r.GrayAt(0, 4) != g.GrayAt(4, 2) {
		t.Errorf("grey quarter turn wrong")
	}
	c := image.NewCMYK(rect(4, 2))
	for i := range c.Pix {
		c.Pix[i] = uint8(i)
	}
	rc := orient(c, 3).(*image.CMYK)
	if rc.CMYKAt(0, 0) != c.CMYKAt(3, 1) {
		t.Errorf("CMYK half turn wrong")
	}
	n := pattern(image.NewNRGBA(rect(3, 2)))
	rn := orient(n, 8)
	if !samePixel(rn.At(0, 2), n.At(0, 0), 8) || !samePixel(rn.At(1, 0), n.At(2, 1), 8) {
		t.Errorf("generic quarter turn wrong")
	}
}
