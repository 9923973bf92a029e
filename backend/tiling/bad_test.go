package tiling

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

// wantErr fails unless err has the code and its message holds every part.
func wantErr(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s", code)
	}
	if got := backend.ErrorCode(err); got != code {
		t.Fatalf("code %q (%v); want %q", got, err, code)
	}
	msg := backend.ErrorMessage(err)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q does not say %q", msg, p)
		}
	}
}

// decodeBytes writes data to a file named name and decodes it.
func decodeBytes(t *testing.T, name string, data []byte, lim Limits) (image.Image, Info, error) {
	t.Helper()
	return Decode(writeFile(t, t.TempDir(), name, data), lim)
}

func TestBadInput(t *testing.T) {
	jpg := encodeJPEG(t, texture(64, 48, 1), 85)
	png := encodePNG(t, texture(40, 30, 1))
	for _, c := range []struct {
		name  string
		data  []byte
		code  string
		parts []string
	}{
		{"empty.png", nil, backend.EINVALID, []string{"empty.png", "empty"}},
		{"notes.jpg", []byte("Hello, these are my lab notes.\nNot a picture."), backend.EINVALID, []string{"notes.jpg", "not an image", "text"}},
		{"binary.tif", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, backend.EINVALID, []string{"not an image", "00 01 02"}},
		{"anim.gif", []byte("GIF89a\x01\x00\x01\x00"), backend.EINVALID, []string{"GIF"}},
		{"phone.heic", append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 20)...), backend.EINVALID, []string{"HEIC"}},
		{"big.tif", []byte("II+\x00\x08\x00\x00\x00"), backend.EINVALID, []string{"BigTIFF"}},
		{"cut.jpg", jpg[:len(jpg)*6/10], backend.EINVALID, []string{"cut.jpg", "jpeg"}},
		{"cut-header.jpg", jpg[:40], backend.EINVALID, []string{"cut-header.jpg"}},
		{"cut.png", png[:len(png)/2], backend.EINVALID, []string{"cut.png", "png"}},
		{"cut-header.png", png[:20], backend.EINVALID, []string{"cut-header.png"}},
		{"cut.webp", encodeWebPLossless(texture(20, 20, 1), false)[:300], backend.EINVALID, []string{"webp"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := decodeBytes(t, c.name, c.data, DefaultLimits())
			wantErr(t, err, c.code, c.parts...)
		})
	}
}

func TestTooLarge(t *testing.T) {
	data := encodePNG(t, pattern(image.NewGray(rect(300, 200))))
	lim := DefaultLimits()
	lim.MaxPixels = 50_000
	_, _, err := decodeBytes(t, "scan.png", data, lim)
	wantErr(t, err, backend.ETOOLARGE, "scan.png", "300 × 200", "60000 pixels", "limit of 50000 pixels")

	lim = DefaultLimits()
	lim.MaxWidth = 299
	_, _, err = decodeBytes(t, "scan.png", data, lim)
	wantErr(t, err, backend.ETOOLARGE, "300 px wide", "299 px")

	lim = DefaultLimits()
	lim.MaxBytes = 100
	_, _, err = decodeBytes(t, "scan.png", data, lim)
	wantErr(t, err, backend.ETOOLARGE, "over the limit of 100 bytes")

	// The gigapixel wording of the specification's example.
	err = DefaultLimits().checkDims("slide.tif", 30000, 40000)
	wantErr(t, err, backend.ETOOLARGE, "30000 × 40000 = 1.2 gigapixels, over the limit of 1.07 gigapixels")
}

// lyingTIFF is a TIFF whose header claims w × h RGB pixels in one strip of
// n bytes, the file holding only n bytes after the header.
func lyingTIFF(w, h uint32, compression uint16, n int) []byte {
	out := []byte("II*\x00")
	out = binary.LittleEndian.AppendUint32(out, uint32(8+n))
	out = append(out, make([]byte, n)...)
	entries := [][3]uint32{
		{256, 4, w}, {257, 4, h}, {258, 3, 8}, {259, 3, uint32(compression)}, {262, 3, 1},
		{273, 4, 8}, {277, 3, 1}, {278, 4, h}, {279, 4, uint32(n)},
	}
	out = binary.LittleEndian.AppendUint16(out, uint16(len(entries)))
	for _, e := range entries {
		out = binary.LittleEndian.AppendUint16(out, uint16(e[0]))
		out = binary.LittleEndian.AppendUint16(out, uint16(e[1]))
		out = binary.LittleEndian.AppendUint32(out, 1)
		out = binary.LittleEndian.AppendUint32(out, e[2])
	}
	return binary.LittleEndian.AppendUint32(out, 0)
}

// TestLyingHeaders: headers that claim far more pixels than their files
// hold fail at once, with a clear reason and without allocating the image.
func TestLyingHeaders(t *testing.T) {
	// A PNG header claiming 20000 × 20000 over a few bytes of data.
	png := encodePNG(t, pattern(image.NewGray(rect(8, 8))))
	binary.BigEndian.PutUint32(png[16:], 20000)
	binary.BigEndian.PutUint32(png[20:], 20000)
	// Fix the IHDR CRC so that only the size is a lie.
	binary.BigEndian.PutUint32(png[29:], crc(png[12:29]))

	jpg := encodeJPEG(t, pattern(image.NewGray(rect(8, 8))), 80)
	sof := strings.Index(string(jpg), "\xff\xc0")
	binary.BigEndian.PutUint16(jpg[sof+5:], 20000)
	binary.BigEndian.PutUint16(jpg[sof+7:], 20000)

	// The same lie in a progressive JPEG's frame header: its decoder would
	// hold 2 bytes for each of the 400 million coefficients at once.
	prog := append([]byte(nil), jpg...)
	prog[sof+1] = 0xc2
	// An honest progressive 16 × 16 over a limit of 1000 pixels: a quarter
	// of it applies to progressive JPEGs.
	small := encodeJPEG(t, pattern(image.NewGray(rect(16, 16))), 80)
	small[strings.Index(string(small), "\xff\xc0")+1] = 0xc2

	bmp := encodeBMP(t, image.NewRGBA(rect(4, 4)))
	binary.LittleEndian.PutUint32(bmp[18:], 20000)
	binary.LittleEndian.PutUint32(bmp[22:], 20000)

	for _, c := range []struct {
		name  string
		data  []byte
		lim   Limits
		code  string
		parts []string
	}{
		// The lie is named before the size: the file is corrupt, not big.
		{"huge.tif", lyingTIFF(100000, 100000, 1, 64), DefaultLimits(), backend.EINVALID, []string{"huge.tif", "claims 100000 × 100000", "truncated"}},
		{"huge-nolimits.tif", lyingTIFF(100000, 100000, 1, 64), Limits{}, backend.EINVALID, []string{"claims 100000 × 100000"}},
		{"big.tif", lyingTIFF(20000, 20000, 1, 64), DefaultLimits(), backend.EINVALID, []string{"strip 0 holds 64 bytes"}},
		{"big-lzw.tif", lyingTIFF(20000, 20000, 5, 64), DefaultLimits(), backend.EINVALID, []string{"claims 20000 × 20000", "64 bytes"}},
		{"big-deflate.tif", lyingTIFF(20000, 20000, 8, 300), DefaultLimits(), backend.EINVALID, []string{"claims 20000 × 20000"}},
		{"cut.tif", lyingTIFF(20, 20, 1, 400)[:200], DefaultLimits(), backend.EINVALID, []string{"truncated"}},
		{"jpeg-compressed.tif", lyingTIFF(20, 20, 7, 400), DefaultLimits(), backend.EINVALID, []string{"JPEG", "not supported"}},
		{"big.png", png, DefaultLimits(), backend.EINVALID, []string{"claims 20000 × 20000"}},
		{"big.jpg", jpg, DefaultLimits(), backend.EINVALID, []string{"claims 20000 × 20000"}},
		{"big-progressive.jpg", prog, DefaultLimits(), backend.EINVALID, []string{"claims 20000 × 20000"}},
		{"progressive.jpg", small, Limits{MaxPixels: 1000}, backend.ETOOLARGE, []string{"progressive JPEG of 256 pixels", "limit of 250 pixels"}},
		{"big.bmp", bmp, DefaultLimits(), backend.EINVALID, []string{"claims 20000 × 20000"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), c.name, c.data)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, _, err := Decode(path, c.lim)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			wantErr(t, err, c.code, c.parts...)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("allocated %d MiB before failing", alloc>>20)
			}
			if elapsed > 2*time.Second {
				t.Errorf("took %v to fail", elapsed)
			}
		})
	}
}

// TestTooLargeTIFF: an honest TIFF of 50000 × 30000 grey pixels (a sparse
// file of 1.5 GB that takes no disk space) is refused for its size.
func TestTooLargeTIFF(t *testing.T) {
	const w, h = 50000, 30000
	out := []byte("II*\x00\x08\x00\x00\x00")
	entries := [][3]uint32{{256, 4, w}, {257, 4, h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 4096}, {277, 3, 1}, {278, 4, h}, {279, 4, w * h}}
	out = binary.LittleEndian.AppendUint16(out, uint16(len(entries)))
	for _, e := range entries {
		out = binary.LittleEndian.AppendUint16(out, uint16(e[0]))
		out = binary.LittleEndian.AppendUint16(out, uint16(e[1]))
		out = binary.LittleEndian.AppendUint32(out, 1)
		out = binary.LittleEndian.AppendUint32(out, e[2])
	}
	path := writeFile(t, t.TempDir(), "slide.tif", binary.LittleEndian.AppendUint32(out, 0))
	if err := os.Truncate(path, 4096+w*h); err != nil {
		t.Skip("no sparse files here:", err)
	}
	_, err := ProbeFile(path, DefaultLimits())
	wantErr(t, err, backend.ETOOLARGE, "slide.tif", "50000 × 30000 = 1.5 gigapixels, over the limit of 1.07 gigapixels")
}

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// TestDecoderPanic registers a format whose decoder panics, as a decoder
// bug met by a hostile file would, and checks that Decode and Probe return
// an error naming the file.
func TestDecoderPanic(t *testing.T) {
	saved := formats
	t.Cleanup(func() { formats = saved })
	formats = append(append([]format{}, formats...),
		format{name: "boom", sniff: hasPrefix("BOOM"),
			header: func(io.ReaderAt, int64, image.Config) (header, error) {
				return header{bitDepth: 8, channels: 3, orientation: 1}, nil
			},
			config: func(io.Reader) (image.Config, error) {
				return image.Config{ColorModel: color.RGBAModel, Width: 4, Height: 4}, nil
			},
			decode: func(io.Reader) (image.Image, error) {
				var m map[string]int
				m["x"]++ // a nil map write: a runtime panic
				return nil, nil
			}},
		format{name: "boomcfg", sniff: hasPrefix("CFG!"),
			config: func(io.Reader) (image.Config, error) { panic("index out of range") }})
	dir := t.TempDir()
	_, _, err := Decode(writeFile(t, dir, "evil.boom", []byte("BOOM and more")), DefaultLimits())
	wantErr(t, err, backend.EINVALID, "evil.boom", "decoder failed", "nil map")
	_, err = ProbeFile(writeFile(t, dir, "evil.cfg", []byte("CFG! and more")), DefaultLimits())
	wantErr(t, err, backend.EINVALID, "evil.cfg", "index out of range")
}

// panicImage panics when read, to check that WriteTiles recovers.
type panicImage struct{ image.Rectangle }

func (p panicImage) ColorModel() color.Model { return color.RGBAModel }
func (p panicImage) Bounds() image.Rectangle { return p.Rectangle }
func (p panicImage) At(x, y int) color.Color {
	if x > 10 {
		panic("bad pixel")
	}
	return color.RGBA{}
}

func TestWriteTilesErrors(t *testing.T) {
	ctx := context.Background()
	img := pattern(image.NewGray(rect(40, 30)))
	for _, o := range []TileOptions{{Size: -1}, {Size: 16, Overlap: 16}, {Size: 16, Overlap: -1}, {Size: 16, Prefix: "../up"}} {
		o.Dir = t.TempDir()
		_, err := WriteTiles(ctx, img, o, nil)
		wantErr(t, err, backend.EINVALID, "tile")
	}
	_, err := WriteTiles(ctx, img, TileOptions{Size: 16}, nil)
	wantErr(t, err, backend.EINVALID, "folder")

	dir := t.TempDir()
	_, err = WriteTiles(ctx, panicImage{rect(40, 40)}, TileOptions{Size: 16, Dir: dir}, nil)
	if err == nil || !strings.Contains(err.Error(), "bad pixel") || !strings.Contains(err.Error(), ".png") {
		t.Fatalf("err = %v; want the panic, naming the tile", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Cancellation stops the work and says so.
	cctx, cancel := context.WithCancel(ctx)
	_, err = WriteTiles(cctx, texture(200, 200, 1), TileOptions{Size: 16, Workers: 2, Dir: t.TempDir()}, func(done, _ int) {
		if done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}

	// A folder that cannot be written.
	file := writeFile(t, t.TempDir(), "file", []byte("x"))
	if _, err := WriteTiles(ctx, img, TileOptions{Size: 16, Dir: filepath.Join(file, "sub")}, nil); err == nil {
		t.Fatal("no error for a tiles folder under a file")
	}
	_ = os.Remove(file)
}
