// Package synth writes synthetic segmentation jobs: discs (class 1) and
// dark squares (class 2) on textured noise, in the layout of the spec's
// trainingjob folder. Tests and benchmarks of the CPU trainer use it.
package synth

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Options shapes a synthetic job.
type Options struct {
	Tiles   int    // number of tiles
	Val     int    // how many of them are validation tiles
	Size    int    // tile side in pixels
	Classes int    // foreground classes: 1 (discs) or 2 (discs and squares)
	Grey    bool   // 8-bit grey images instead of RGB
	Seed    uint64 // same seed, same job
	// EdgeTiles makes every fourth tile smaller in one direction, like the
	// tiles at the right and bottom of a tiled image.
	EdgeTiles bool
	// Unlabelled marks a band of each mask 255.
	Unlabelled bool
}

// Class names and mask colours of the synthetic classes.
var classes = []map[string]any{
	{"index": 1, "name": "disc", "colour": []int{230, 60, 60}},
	{"index": 2, "name": "square", "colour": []int{60, 60, 230}},
}

// Write creates dir/images, dir/masks, dir/labels, dir/metadata.json and
// dir/config.json (cfg, which may be nil).
func Write(dir string, o Options, cfg map[string]any) error {
	for _, d := range []string{"images", "masks", "labels", "models"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 99))
	var train, val []string
	for i := 0; i < o.Tiles; i++ {
		name := fmt.Sprintf("tile_%03d.png", i)
		w, h := o.Size, o.Size
		if o.EdgeTiles && i%4 == 3 {
			if i%8 == 3 {
				w = o.Size * 5 / 8
			} else {
				h = o.Size * 3 / 4
			}
		}
		img, mask := Tile(rng, w, h, o.Classes, o.Grey)
		if o.Unlabelled {
			y0 := rng.IntN(h)
			for y := y0; y < min(h, y0+h/10); y++ {
				for x := 0; x < w; x++ {
					mask.SetGray(x, y, color.Gray{255})
				}
			}
		}
		if err := writePNG(filepath.Join(dir, "images", name), img); err != nil {
			return err
		}
		if err := writePNG(filepath.Join(dir, "masks", name), mask); err != nil {
			return err
		}
		if i < o.Tiles-o.Val {
			train = append(train, name)
		} else {
			val = append(val, name)
		}
	}
	md := map[string]any{
		"classes":      classes[:o.Classes],
		"split":        map[string]any{"train": train, "val": val},
		"ignore_index": 255,
		"seed":         42,
	}
	if err := writeJSON(filepath.Join(dir, "metadata.json"), md); err != nil {
		return err
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	return writeJSON(filepath.Join(dir, "config.json"), cfg)
}

// Tile draws one w×h tile and its class-index mask.
func Tile(rng *rand.Rand, w, h, nClasses int, grey bool) (image.Image, *image.Gray) {
	mask := image.NewGray(image.Rect(0, 0, w, h))
	// 3–6 shapes of radius 6–14 px (on a 128 px tile), anywhere.
	scale := float64(max(w, h)) / 128
	n := 3 + rng.IntN(4)
	type shape struct {
		cx, cy, r float64
		class     uint8
	}
	shapes := make([]shape, n)
	for i := range shapes {
		c := uint8(1)
		if nClasses > 1 && rng.IntN(2) == 1 {
			c = 2
		}
		shapes[i] = shape{rng.Float64() * float64(w), rng.Float64() * float64(h), (6 + 8*rng.Float64()) * scale, c}
	}
	// Texture: two random gratings plus pixel noise.
	f1, f2 := 0.05+0.1*rng.Float64(), 0.05+0.1*rng.Float64()
	a1, a2 := rng.Float64()*math.Pi, rng.Float64()*math.Pi
	tint := [3]float64{0.9 + 0.2*rng.Float64(), 0.9 + 0.2*rng.Float64(), 0.9 + 0.2*rng.Float64()}
	rgb := image.NewNRGBA(image.Rect(0, 0, w, h))
	gimg := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/scale, float64(y)/scale
			v := 0.35 + 0.08*math.Sin(f1*(fx*math.Cos(a1)+fy*math.Sin(a1))) + 0.08*math.Sin(f2*(fx*math.Cos(a2)+fy*math.Sin(a2)))
			var class uint8
			for _, s := range shapes {
				dx, dy := float64(x)-s.cx, float64(y)-s.cy
				in := dx*dx+dy*dy <= s.r*s.r
				if s.class == 2 {
					in = math.Abs(dx) <= s.r*0.85 && math.Abs(dy) <= s.r*0.85
				}
				if in {
					class = s.class
				}
			}
			switch class {
			case 1:
				v += 0.22
			case 2:
				v -= 0.2 // dark squares
			}
			v += 0.07 * rng.NormFloat64()
			mask.Pix[y*mask.Stride+x] = class
			if grey {
				gimg.Pix[y*gimg.Stride+x] = byte8(v)
				continue
			}
			i := y*rgb.Stride + 4*x
			rgb.Pix[i], rgb.Pix[i+1], rgb.Pix[i+2], rgb.Pix[i+3] = byte8(v*tint[0]), byte8(v*tint[1]), byte8(v*tint[2]*0.9), 255
		}
	}
	if grey {
		return gimg, mask
	}
	return rgb, mask
}

func byte8(v float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, v)))) }

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
