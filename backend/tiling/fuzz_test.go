package tiling

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

// FuzzDecodeAndTile feeds bytes through the whole path a professor's file
// takes: Probe and Decode under small limits, then tiles (checked against
// the image), a thumbnail and a pyramid. Nothing may panic, allocate past
// the limits or fail with anything but EINVALID or ETOOLARGE.
//
//	go test -fuzz FuzzDecodeAndTile -fuzztime 60s ./backend/tiling/
func FuzzDecodeAndTile(f *testing.F) {
	for _, rt := range roundTrips(f) {
		f.Add(rt.data)
	}
	jpg := encodeJPEG(f, texture(40, 24, 5), 75)
	f.Add(withEXIF(jpg, 6, true))
	f.Add(withEXIF(jpg, 7, false))
	f.Add(jpg[:len(jpg)/2])
	f.Add(lyingTIFF(20000, 20000, 5, 64))
	f.Add(encodeTIFF(f, pattern(image.NewNRGBA64(rect(9, 7))), tiffOptions{tile: 16, bigEndian: true}))
	f.Add([]byte("not an image at all"))
	f.Add(encodeTIFF(f, pattern(image.NewGray16(rect(9, 7))), tiffOptions{rowsPerStrip: 2, whiteIsZero: true}))
	f.Add(encodeTIFF(f, pattern(image.NewRGBA(rect(9, 7))), tiffOptions{rowsPerStrip: 3, bigEndian: true}))

	lim := Limits{MaxWidth: 300, MaxHeight: 300, MaxPixels: 1 << 14, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "input")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		info, perr := ProbeFile(path, lim)
		img, dinfo, err := Decode(path, lim)
		if err != nil {
			if c := backend.ErrorCode(err); c != backend.EINVALID && c != backend.ETOOLARGE {
				t.Fatalf("error code %q: %v", c, err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("Probe failed (%v) where Decode succeeded", perr)
		}
		if info != dinfo {
			t.Fatalf("Probe %+v, Decode %+v", info, dinfo)
		}
		if info.Format == "tiff" {
			sameAsXImage(t, "fuzz", data) // the strip reader is x/image/tiff's equal
		}
		b := img.Bounds()
		if b.Dx() != info.Width || b.Dy() != info.Height || int64(b.Dx())*int64(b.Dy()) > lim.MaxPixels {
			t.Fatalf("image %v, info %+v", b, info)
		}
		opt := TileOptions{Size: 48, Overlap: 5, Workers: 2, Dir: filepath.Join(dir, "tiles"), Channels: info.Channels}
		tiles, err := WriteTiles(context.Background(), img, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range tiles {
			data, err := os.ReadFile(filepath.Join(opt.Dir, tl.File))
			if err != nil {
				t.Fatal(err)
			}
			m, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", tl.File, err)
			}
			depth, _ := pngInfo(t, data)
			crop := img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(image.Rect(tl.X, tl.Y, tl.X+tl.W, tl.Y+tl.H).Add(b.Min))
			comparePixels(t, tl.File, crop, m, depth)
		}
		if err := WriteThumbnail(img, nil, 32, filepath.Join(dir, "thumb.jpg")); err != nil {
			t.Fatal(err)
		}
		if _, err := WritePyramid(context.Background(), img, nil, filepath.Join(dir, "pyramid"), 64, nil); err != nil {
			t.Fatal(err)
		}
	})
}
