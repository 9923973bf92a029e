package tiling

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStretch(t *testing.T) {
	// Grey 16-bit values 1000…2999 evenly, and a few outliers at both ends.
	const w, h = 200, 100
	m := image.NewGray16(rect(w, h))
	for i := range w * h {
		v := uint16(1000 + i%2000)
		switch i % 997 {
		case 0:
			v = 0
		case 1:
			v = 65535
		}
		m.SetGray16(i%w, i/w, color.Gray16{v})
	}
	s := ComputeStretch(m)
	// 0.5% of 20000 pixels = 100: the low percentile is near 1000 + 10.
	if s.Low[0] < 1000 || s.Low[0] > 1020 || s.High[0] < 2980 || s.High[0] > 3000 {
		t.Fatalf("stretch %+v; want about 1010…2990", s)
	}
	if s.Low[1] != s.Low[0] || s.High[2] != s.High[0] {
		t.Errorf("grey stretch not copied to all channels: %+v", s)
	}
	d := Display8(m, &s).(*image.Gray)
	at := func(v uint16) uint8 {
		for i := range w * h {
			if m.Gray16At(i%w, i/w).Y == v {
				return d.GrayAt(i%w, i/w).Y
			}
		}
		t.Fatalf("no pixel of %d", v)
		return 0
	}
	if at(s.Low[0]) != 0 || at(s.High[0]) != 255 || at(0) != 0 || at(65535) != 255 {
		t.Errorf("low %d, high %d, 0 %d, max %d; want 0, 255, 0, 255", at(s.Low[0]), at(s.High[0]), at(0), at(65535))
	}
	if mid := at(2000); mid < 120 || mid > 135 {
		t.Errorf("middle value shows as %d; want about 128", mid)
	}

	// RGB: each channel has its own range; alpha is only scaled.
	c := image.NewNRGBA64(rect(w, h))
	for i := range w * h {
		c.SetNRGBA64(i%w, i/w, color.NRGBA64{uint16(i % 1000), uint16(30000 + i%100), uint16(60000 + i%5000), 0x8080})
	}
	s = ComputeStretch(c)
	if s.High[0] > 1000 || s.Low[1] < 30000 || s.High[1] > 30100 || s.Low[2] < 60000 {
		t.Fatalf("per-channel stretch %+v", s)
	}
	d8 := Display8(c, nil).(*image.NRGBA)
	if p := d8.NRGBAAt(999%w, 999/w); p.R != 255 || p.A != 0x80 { // R at the top of its range
		t.Errorf("pixel %v", p)
	}
	if p := d8.NRGBAAt(0, 0); p.R != 0 || p.G != 0 || p.B != 0 {
		t.Errorf("pixel %v; want black", p)
	}
	// 8-bit images are shown as they are.
	g8 := image.NewGray(rect(2, 2))
	if Display8(g8, nil) != image.Image(g8) {
		t.Error("Display8 converted an 8-bit image")
	}
	if s := ComputeStretch(g8); s.Low[0] != 0 || s.High[0] != 65535 {
		t.Errorf("8-bit stretch %+v", s)
	}
	// A flat image does not divide by zero.
	flat := image.NewRGBA64(rect(4, 4))
	s = ComputeStretch(flat)
	if s.High[0] <= s.Low[0] {
		t.Errorf("flat stretch %+v", s)
	}
	_ = Display8(flat, &s)
}

func TestPyramid(t *testing.T) {
	for _, c := range []struct {
		name   string
		img    image.Image
		tile   int
		levels int
	}{
		{"rgb-300x200", texture(300, 200, 4), 64, 10}, // 2^8 < 300 <= 2^9
		{"gray16-257x3", pattern(image.NewGray16(rect(257, 3))), 32, 10},
		{"ycbcr-jpeg", mustDecodeJPEG(t, encodeJPEG(t, texture(130, 70, 1), 90)), 50, 9},
		{"nrgba", pattern(image.NewNRGBA(rect(64, 64))), 16, 7},
		{"one-pixel", image.NewGray(rect(1, 1)), 256, 1},
		{"paletted", pattern(image.NewPaletted(rect(33, 9), palette(true))), 16, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var last, total int
			p, err := WritePyramid(context.Background(), c.img, nil, dir, c.tile, func(done, n int) { last, total = done, n })
			if err != nil {
				t.Fatal(err)
			}
			b := c.img.Bounds()
			if p.Levels != c.levels || p.Width != b.Dx() || p.Height != b.Dy() || p.TileSize != c.tile || p.Format != "jpg" {
				t.Fatalf("pyramid %+v; want %d levels", p, c.levels)
			}
			if w, h := p.LevelSize(0); w != 1 || h != 1 {
				t.Errorf("level 0 is %d × %d", w, h)
			}
			if w, h := p.LevelSize(p.Levels - 1); w != b.Dx() || h != b.Dy() {
				t.Errorf("top level is %d × %d", w, h)
			}
			files := 0
			for l := range p.Levels {
				cols, rows := p.LevelTiles(l)
				w, h := p.LevelSize(l)
				entries, _ := os.ReadDir(filepath.Join(dir, fmt.Sprint(l)))
				if len(entries) != cols*rows {
					t.Errorf("level %d: %d files, want %d × %d", l, len(entries), cols, rows)
				}
				for col := range cols {
					for row := range rows {
						f, err := os.Open(filepath.Join(dir, p.TilePath(l, col, row)))
						if err != nil {
							t.Fatal(err)
						}
						cfg, err := jpeg.DecodeConfig(f)
						f.Close()
						if err != nil {
							t.Fatal(err)
						}
						tw, th := min(c.tile, w-col*c.tile), min(c.tile, h-row*c.tile)
						if cfg.Width != tw || cfg.Height != th {
							t.Errorf("level %d tile %d_%d is %d × %d, want %d × %d", l, col, row, cfg.Width, cfg.Height, tw, th)
						}
						files++
					}
				}
			}
			if last != files || total != files {
				t.Errorf("progress ended at %d/%d for %d tiles", last, total, files)
			}
			if !strings.Contains(p.DZI(), fmt.Sprintf(`TileSize="%d"`, c.tile)) {
				t.Errorf("DZI %s", p.DZI())
			}
		})
	}
}

// TestPyramidColours checks the pixels of the levels on an image of four
// flat quadrants: every level keeps them, within JPEG's tolerance.
func TestPyramidColours(t *testing.T) {
	const w, h = 200, 120
	src := image.NewNRGBA64(rect(w, h)) // 16-bit, through a stretch
	cols := [4]color.RGBA{{200, 30, 30, 255}, {30, 200, 30, 255}, {30, 30, 200, 255}, {230, 230, 230, 255}}
	for y := range h {
		for x := range w {
			c := cols[(y*2/h)*2+x*2/w]
			src.SetNRGBA64(x, y, color.NRGBA64{uint16(c.R) * 257, uint16(c.G) * 257, uint16(c.B) * 257, 0xffff})
		}
	}
	id := Stretch{High: [4]uint16{65535, 65535, 65535, 65535}}
	dir := t.TempDir()
	p, err := WritePyramid(context.Background(), src, &id, dir, 64, nil)
	if err != nil {
		t.Fatal(err)
	}
	for l := 5; l < p.Levels; l++ { // 25 × 15 and up: JPEG blurs colour below
		lw, lh := p.LevelSize(l)
		img := mustDecodeJPEGFile(t, filepath.Join(dir, p.TilePath(l, 0, 0)))
		check := func(x, y int, want color.RGBA) {
			got := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if !near(got, want, 20) {
				t.Errorf("level %d (%d × %d): pixel (%d, %d) = %v, want %v", l, lw, lh, x, y, got, want)
			}
		}
		check(0, 0, cols[0])
		if lw <= 64 && lh <= 64 {
			check(lw-1, lh-1, cols[3])
			check(lw-1, 0, cols[1])
			check(0, lh-1, cols[2])
		}
	}
}

func mustDecodeJPEG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, _, err := decodeBytes(t, "x.jpg", data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func mustDecodeJPEGFile(t *testing.T, path string) image.Image {
	t.Helper()
	img, _, err := Decode(path, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestThumbnail(t *testing.T) {
	for _, c := range []struct {
		name         string
		img          image.Image
		max          int
		wantW, wantH int
	}{
		{"wide", texture(1000, 600, 2), 100, 100, 60},
		{"tall-gray16", pattern(image.NewGray16(rect(90, 1000))), 256, 23, 256},
		{"small", texture(50, 40, 1), 256, 50, 40},
		{"exact-multiple", texture(400, 400, 1), 200, 200, 200},
		{"line", texture(3000, 1, 1), 100, 100, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "thumb.jpg")
			if err := WriteThumbnail(c.img, nil, c.max, path); err != nil {
				t.Fatal(err)
			}
			img := mustDecodeJPEGFile(t, path)
			if b := img.Bounds(); b.Dx() != c.wantW || b.Dy() != c.wantH {
				t.Errorf("thumbnail %v, want %d × %d", b, c.wantW, c.wantH)
			}
		})
	}
	if err := WriteThumbnail(texture(10, 10, 1), nil, 0, filepath.Join(t.TempDir(), "x.jpg")); err == nil {
		t.Error("no error for a 0 px thumbnail")
	}
	if _, err := WritePyramid(context.Background(), texture(10, 10, 1), nil, t.TempDir(), MaxPyramidTileSize+1, nil); err == nil {
		t.Error("no error for pyramid tiles over the maximum")
	}
}

func TestPyramidCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := WritePyramid(ctx, texture(300, 300, 1), nil, t.TempDir(), 64, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
}
