package tiling

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/image/tiff"
)

// roundTrip is one file of known pixels in one format.
type roundTrip struct {
	name string
	data []byte
	src  image.Image // the pixels written; nil where the format is lossy
	want Info
	// tileChannels is the channel count of the tiles, when it differs
	// from want.Channels.
	tileChannels int
}

func roundTrips(t testing.TB) []roundTrip {
	const w, h = 37, 23
	gray := pattern(image.NewGray(rect(w, h)))
	gray16 := pattern(image.NewGray16(rect(w, h)))
	rgb := pattern(image.NewRGBA(rect(w, h)))
	nrgba := pattern(image.NewNRGBA(rect(w, h)))
	rgb16 := pattern(image.NewRGBA64(rect(w, h)))
	nrgba16 := pattern(image.NewNRGBA64(rect(w, h)))
	pal := pattern(image.NewPaletted(rect(w, h), palette(false)))
	palT := pattern(image.NewPaletted(rect(w, h), palette(true)))
	ga := greyAlpha(w, h)
	// A photograph-like image for the lossy formats.
	photo := texture(w, h, 3)
	info := func(f string, depth, ch int) Info {
		return Info{Format: f, Width: w, Height: h, BitDepth: depth, Channels: ch, Orientation: 1}
	}
	return []roundTrip{
		{name: "png-gray8", data: encodePNG(t, gray), src: gray, want: info("png", 8, 1)},
		{name: "png-gray16", data: encodePNG(t, gray16), src: gray16, want: info("png", 16, 1)},
		{name: "png-rgb8", data: encodePNG(t, rgb), src: rgb, want: info("png", 8, 3)},
		{name: "png-rgba8", data: encodePNG(t, nrgba), src: nrgba, want: info("png", 8, 4)},
		{name: "png-rgb16", data: encodePNG(t, rgb16), src: rgb16, want: info("png", 16, 3)},
		{name: "png-rgba16", data: encodePNG(t, nrgba16), src: nrgba16, want: info("png", 16, 4)},
		{name: "png-palette", data: encodePNG(t, pal), src: pal, want: info("png", 8, 3)},
		{name: "png-palette-alpha", data: encodePNG(t, palT), src: palT, want: info("png", 8, 4)},
		{name: "png-grey-alpha", data: encodeOwnPNG(t, ga, 2), src: ga, want: info("png", 8, 2)},
		{name: "jpeg-colour", data: encodeJPEG(t, photo, 90), want: info("jpeg", 8, 3)},
		{name: "jpeg-grey", data: encodeJPEG(t, gray, 90), want: info("jpeg", 8, 1)},
		{name: "tiff-gray8-strips", data: encodeTIFF(t, gray, tiffOptions{rowsPerStrip: 5}), src: gray, want: info("tiff", 8, 1)},
		{name: "tiff-gray16-strips-be", data: encodeTIFF(t, gray16, tiffOptions{bigEndian: true, rowsPerStrip: 4}), src: gray16, want: info("tiff", 16, 1)},
		{name: "tiff-rgb8-strips", data: encodeTIFF(t, rgb, tiffOptions{rowsPerStrip: 7}), src: rgb, want: info("tiff", 8, 3)},
		{name: "tiff-rgba8-strips", data: encodeTIFF(t, nrgba, tiffOptions{}), src: nrgba, want: info("tiff", 8, 4)},
		{name: "tiff-rgb16-strips", data: encodeTIFF(t, rgb16, tiffOptions{rowsPerStrip: 3}), src: rgb16, want: info("tiff", 16, 3)},
		{name: "tiff-rgba16-strips-be", data: encodeTIFF(t, nrgba16, tiffOptions{bigEndian: true, rowsPerStrip: 10}), src: nrgba16, want: info("tiff", 16, 4)},
		{name: "tiff-gray8-tiled", data: encodeTIFF(t, gray, tiffOptions{tile: 16}), src: gray, want: info("tiff", 8, 1)},
		{name: "tiff-gray16-tiled", data: encodeTIFF(t, gray16, tiffOptions{tile: 16, bigEndian: true}), src: gray16, want: info("tiff", 16, 1)},
		{name: "tiff-rgb8-tiled", data: encodeTIFF(t, rgb, tiffOptions{tile: 16}), src: rgb, want: info("tiff", 8, 3)},
		{name: "tiff-rgba8-tiled", data: encodeTIFF(t, nrgba, tiffOptions{tile: 32}), src: nrgba, want: info("tiff", 8, 4)},
		{name: "tiff-rgb16-tiled", data: encodeTIFF(t, rgb16, tiffOptions{tile: 16}), src: rgb16, want: info("tiff", 16, 3)},
		{name: "tiff-rgba16-tiled", data: encodeTIFF(t, nrgba16, tiffOptions{tile: 16}), src: nrgba16, want: info("tiff", 16, 4)},
		// x/image/tiff writes RGBA with an alpha channel, opaque or not.
		{name: "tiff-deflate-rgb8", data: encodeXTIFF(t, rgb), src: rgb, want: info("tiff", 8, 4), tileChannels: 3},
		{name: "tiff-deflate-gray16", data: encodeXTIFF(t, gray16), src: gray16, want: info("tiff", 16, 1)},
		{name: "bmp-rgb", data: encodeBMP(t, rgb), src: rgb, want: info("bmp", 8, 3)},
		// x/image/bmp writes alpha in a header its decoder reads as opaque.
		{name: "bmp-rgba", data: encodeBMP(t, nrgba), want: info("bmp", 8, 3)},
		{name: "bmp-palette", data: encodeBMP(t, pal), src: pal, want: info("bmp", 8, 3)},
		{name: "bmp-gray", data: encodeBMP(t, gray), src: gray, want: info("bmp", 8, 1)},
		{name: "webp-lossless", data: encodeWebPLossless(rgb, false), src: rgb, want: info("webp", 8, 3)},
		{name: "webp-lossless-alpha", data: encodeWebPLossless(nrgba, true), src: nrgba, want: info("webp", 8, 4)},
		{name: "webp-lossy", data: encodeWebPLossy(false), want: Info{Format: "webp", Width: 16, Height: 12, BitDepth: 8, Channels: 3, Orientation: 1}},
		{name: "webp-lossy-alpha", data: encodeWebPLossy(true), want: Info{Format: "webp", Width: 16, Height: 12, BitDepth: 8, Channels: 4, Orientation: 1}},
	}
}

// TestRoundTrip writes every format, probes and decodes it, compares the
// pixels with those written (lossless formats) and checks that every tile
// is a pixel-exact crop of the decoded image at its bit depth.
func TestRoundTrip(t *testing.T) {
	for _, rt := range roundTrips(t) {
		t.Run(rt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "input", rt.data) // no extension: the content decides
			info, err := ProbeFile(path, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if info != rt.want {
				t.Errorf("Probe = %+v, want %+v", info, rt.want)
			}
			img, info2, err := Decode(path, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if info2 != info {
				t.Errorf("Decode info %+v, Probe %+v", info2, info)
			}
			if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height {
				t.Fatalf("decoded %v, want %d × %d", b, info.Width, info.Height)
			}
			if rt.src != nil {
				comparePixels(t, "decoded", rt.src, img, info.BitDepth)
			}
			checkTiles(t, img, info, rt.tileChannels, TileOptions{Size: 16, Overlap: 5, Dir: filepath.Join(dir, "tiles"), Prefix: "x", Channels: info.Channels})
		})
	}
}

// comparePixels fails unless got has the pixels of want at the given depth.
func comparePixels(t *testing.T, what string, want, got image.Image, depth int) {
	t.Helper()
	b := want.Bounds()
	if got.Bounds().Size() != b.Size() {
		t.Fatalf("%s: size %v, want %v", what, got.Bounds().Size(), b.Size())
	}
	off := got.Bounds().Min.Sub(b.Min)
	bad := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !samePixel(want.At(x, y), got.At(x+off.X, y+off.Y), depth) {
				if bad++; bad <= 3 {
					t.Errorf("%s: pixel (%d, %d) = %v, want %v", what, x, y, got.At(x+off.X, y+off.Y), want.At(x, y))
				}
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d pixels differ", what, bad)
	}
}

// checkTiles writes the tiles of img and checks the grid, the files and
// every pixel.
func checkTiles(t *testing.T, img image.Image, info Info, tileChannels int, opt TileOptions) {
	t.Helper()
	var calls, last int
	tiles, err := WriteTiles(context.Background(), img, opt, func(done, total int) {
		calls++
		if done != last+1 || total != len(TileGrid(info.Width, info.Height, opt.Size, opt.Overlap)) {
			t.Errorf("progress(%d, %d) after %d", done, total, last)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(tiles) {
		t.Errorf("%d progress calls for %d tiles", calls, len(tiles))
	}
	grid, _ := opt.Grid(info.Width, info.Height)
	if len(grid) != len(tiles) {
		t.Fatalf("%d tiles, grid has %d", len(tiles), len(grid))
	}
	if tileChannels == 0 {
		tileChannels = info.Channels
	}
	entries, _ := os.ReadDir(opt.Dir)
	if len(entries) != len(tiles) {
		t.Errorf("%d files in the tiles folder for %d tiles (temporary files left?)", len(entries), len(tiles))
	}
	b := img.Bounds()
	for i, tl := range tiles {
		if tl != grid[i] {
			t.Errorf("tile %d = %+v, grid says %+v", i, tl, grid[i])
		}
		data, err := os.ReadFile(filepath.Join(opt.Dir, tl.File))
		if err != nil {
			t.Fatal(err)
		}
		depth, channels := pngInfo(t, data)
		if depth != info.BitDepth || channels != tileChannels {
			t.Errorf("%s: %d-bit, %d channels; want %d-bit, %d", tl.File, depth, channels, info.BitDepth, tileChannels)
		}
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", tl.File, err)
		}
		if m.Bounds().Dx() != tl.W || m.Bounds().Dy() != tl.H {
			t.Fatalf("%s: %v, want %d × %d", tl.File, m.Bounds(), tl.W, tl.H)
		}
		crop := img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(tl.X, tl.Y, tl.X+tl.W, tl.Y+tl.H).Add(b.Min))
		comparePixels(t, tl.File, crop, m, depth)
	}
}

func TestSniffIgnoresExtension(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "photo.jpg", encodePNG(t, pattern(image.NewGray(rect(5, 4)))))
	info, err := ProbeFile(p, DefaultLimits())
	if err != nil || info.Format != "png" {
		t.Fatalf("Probe = %+v, %v; want png", info, err)
	}
}

// TestProbeReaderAt covers Probe on something that is not a file.
func TestProbeReaderAt(t *testing.T) {
	data := encodeJPEG(t, texture(40, 30, 1), 80)
	info, err := Probe(bytes.NewReader(data), int64(len(data)), DefaultLimits())
	if err != nil || info.Width != 40 || info.Height != 30 || info.Format != "jpeg" {
		t.Fatalf("Probe = %+v, %v", info, err)
	}
}

// TestYCbCrConversion checks the inlined conversion against the standard
// library's on every Y and a grid of chroma values.
func TestYCbCrConversion(t *testing.T) {
	for y := range 256 {
		for cb := 0; cb < 256; cb += 3 {
			for cr := 0; cr < 256; cr += 5 {
				r1, g1, b1 := ycbcrToRGB(uint8(y), uint8(cb), uint8(cr))
				r2, g2, b2 := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				if r1 != r2 || g1 != g2 || b1 != b2 {
					t.Fatalf("YCbCr(%d, %d, %d) = %d %d %d, want %d %d %d", y, cb, cr, r1, g1, b1, r2, g2, b2)
				}
			}
		}
	}
}

// TestTilesOfSubImage tiles a sub-image whose bounds do not start at 0,
// and every decoded type through its own conversion.
func TestTilesOfOddTypes(t *testing.T) {
	src := texture(50, 40, 9)
	sub := src.SubImage(image.Rect(7, 5, 50, 40))
	ycc := image.NewYCbCr(rect(33, 21), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i * 7)
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = uint8(i*13), uint8(255-i*3)
	}
	nycca := &image.NYCbCrA{YCbCr: *image.NewYCbCr(rect(19, 17), image.YCbCrSubsampleRatio422), A: make([]uint8, 19*17), AStride: 19}
	for i := range nycca.Y {
		nycca.Y[i], nycca.A[i] = uint8(i*5), uint8(i*11)
	}
	for i := range nycca.Cb {
		nycca.Cb[i], nycca.Cr[i] = uint8(i*17), uint8(i*3)
	}
	cmyk := image.NewCMYK(rect(21, 13))
	for i := range cmyk.Pix {
		cmyk.Pix[i] = uint8(i * 29)
	}
	rgbaAlpha := image.NewRGBA(rect(23, 19)) // premultiplied, with transparency
	for i := 0; i < len(rgbaAlpha.Pix); i += 4 {
		a := uint8(i * 3)
		rgbaAlpha.Pix[i], rgbaAlpha.Pix[i+1], rgbaAlpha.Pix[i+2], rgbaAlpha.Pix[i+3] = a/2, a/3, a, a
	}
	rgba64Alpha := image.NewRGBA64(rect(17, 11))
	for i := 0; i < len(rgba64Alpha.Pix); i += 8 {
		a := uint16(i * 97)
		rgba64Alpha.SetRGBA64(i/8%17, i/8/17, color.RGBA64{a / 2, a / 5, a, a})
	}
	greyRGB16 := image.NewNRGBA64(rect(20, 10)) // grey+alpha 16-bit as NRGBA64
	for i := range 200 {
		v := uint16(i * 300)
		greyRGB16.SetNRGBA64(i%20, i/20, color.NRGBA64{v, v, v, uint16(65535 - i*100)})
	}
	alpha := image.NewAlpha(rect(9, 9)) // a type with no fast path
	for i := range alpha.Pix {
		alpha.Pix[i] = uint8(i * 3)
	}
	for _, c := range []struct {
		name     string
		img      image.Image
		depth    int
		channels int
		hint     int
	}{
		{"subimage", sub, 8, 3, 0},
		{"ycbcr420", ycc, 8, 3, 0},
		{"nycbcra422", nycca, 8, 4, 0},
		{"cmyk", cmyk, 8, 3, 0},
		{"rgba-premultiplied", rgbaAlpha, 8, 4, 0},
		{"rgba64-premultiplied", rgba64Alpha, 16, 4, 0},
		{"grey-alpha16", greyRGB16, 16, 2, 2},
		{"grey-hint-on-colour", src, 8, 3, 1}, // the hint is checked
		{"alpha-generic", alpha, 8, 4, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := c.img.Bounds()
			info := Info{Width: b.Dx(), Height: b.Dy(), BitDepth: c.depth, Channels: c.channels}
			checkTiles(t, c.img, info, c.channels, TileOptions{Size: 8, Overlap: 2, Dir: t.TempDir(), Channels: c.hint})
		})
	}
}

// TestTIFFStripsMatchXImage decodes uncompressed strip TIFFs with the
// package's own reader and with x/image/tiff: same type, same pixels.
func TestTIFFStripsMatchXImage(t *testing.T) {
	const w, h = 29, 17
	imgs := []image.Image{
		pattern(image.NewGray(rect(w, h))), pattern(image.NewGray16(rect(w, h))),
		pattern(image.NewRGBA(rect(w, h))), pattern(image.NewNRGBA(rect(w, h))),
		pattern(image.NewRGBA64(rect(w, h))), pattern(image.NewNRGBA64(rect(w, h))),
	}
	for _, img := range imgs {
		for _, o := range []tiffOptions{{}, {rowsPerStrip: 1}, {rowsPerStrip: 5, bigEndian: true}, {rowsPerStrip: 4, whiteIsZero: true}, {tile: 16}} {
			data := encodeTIFF(t, img, o)
			sameAsXImage(t, fmt.Sprintf("%T %+v", img, o), data)
		}
	}
	// Premultiplied RGBA (extra samples 1), as x/image/tiff writes it.
	sameAsXImage(t, "x/image RGBA", encodeXTIFF(t, pattern(image.NewNRGBA(rect(w, h)))))
	var b bytes.Buffer
	if err := tiff.Encode(&b, pattern(image.NewRGBA64(rect(w, h))), nil); err != nil {
		t.Fatal(err)
	}
	sameAsXImage(t, "x/image RGBA64 uncompressed", b.Bytes())
}

func sameAsXImage(t testing.TB, name string, data []byte) {
	t.Helper()
	ref, rerr := tiff.Decode(bytes.NewReader(data))
	got, err := decodeTIFF(io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data))))
	if (err == nil) != (rerr == nil) {
		t.Fatalf("%s: error %v, x/image/tiff %v", name, err, rerr)
	}
	if err != nil {
		return
	}
	if reflect.TypeOf(got) != reflect.TypeOf(ref) || got.Bounds() != ref.Bounds() {
		t.Fatalf("%s: %T %v, x/image/tiff %T %v", name, got, got.Bounds(), ref, ref.Bounds())
	}
	b := ref.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if got.At(x, y) != ref.At(x, y) {
				t.Fatalf("%s: pixel (%d, %d) = %v, x/image/tiff %v", name, x, y, got.At(x, y), ref.At(x, y))
			}
		}
	}
}
