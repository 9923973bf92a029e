package tiling

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// The helpers below make small images with known pixels and write them in
// every format Tessera reads. The encoders the standard library and x/image
// lack (tiled TIFF, lossless WebP, EXIF) are written here, by hand, from the
// specifications.

// pattern fills img with pixels that differ in every channel from their
// neighbours, so a crop in the wrong place or a swapped channel shows.
func pattern(img image.Image) image.Image {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r := uint16(x*2311 + y*977)
			g := uint16(x*131 + y*7919)
			bl := uint16(x*17 ^ y*4099)
			a := uint16(0xffff)
			if (x+y)%5 == 0 {
				a = uint16(x*y*263) | 0x0100 // some transparency, never zero
			}
			switch m := img.(type) {
			case *image.Gray:
				m.SetGray(x, y, color.Gray{uint8(r >> 8)})
			case *image.Gray16:
				m.SetGray16(x, y, color.Gray16{r})
			case *image.RGBA: // opaque
				m.SetRGBA(x, y, color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0xff})
			case *image.NRGBA:
				m.SetNRGBA(x, y, color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)})
			case *image.RGBA64: // opaque
				m.SetRGBA64(x, y, color.RGBA64{r, g, bl, 0xffff})
			case *image.NRGBA64:
				m.SetNRGBA64(x, y, color.NRGBA64{r, g, bl, a})
			case *image.Paletted:
				m.SetColorIndex(x, y, uint8(x*7+y*3)%uint8(len(m.Palette)))
			default:
				panic("pattern: unexpected type")
			}
		}
	}
	return img
}

func rect(w, h int) image.Rectangle { return image.Rect(0, 0, w, h) }

// greyAlpha is an NRGBA image whose pixels are all grey, some transparent.
func greyAlpha(w, h int) *image.NRGBA {
	m := image.NewNRGBA(rect(w, h))
	for y := range h {
		for x := range w {
			v := uint8(x*37 + y*11)
			m.SetNRGBA(x, y, color.NRGBA{v, v, v, uint8(255 - (x+y)%7*30)})
		}
	}
	return m
}

func palette(transparent bool) color.Palette {
	p := color.Palette{}
	for i := range 20 {
		p = append(p, color.NRGBA{uint8(i * 13), uint8(255 - i*11), uint8(i * i), 0xff})
	}
	if transparent {
		p[3] = color.NRGBA{10, 20, 30, 0}
		p[5] = color.NRGBA{200, 100, 50, 128}
	}
	return p
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeOwnPNG writes img with the package's tile encoder, the only way to
// get a grey+alpha PNG (image/png writes NRGBA as RGBA).
func encodeOwnPNG(t testing.TB, img image.Image, channels int) []byte {
	t.Helper()
	var b bytes.Buffer
	f, rows := tileRows(img, channels)
	if err := newPNGEncoder().encode(&b, f, rows, img.Bounds()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeBMP(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := bmp.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeXTIFF writes a single-strip TIFF with x/image/tiff's encoder,
// deflate-compressed with the horizontal predictor.
func encodeXTIFF(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tiff.Encode(&b, img, &tiff.Options{Compression: tiff.Deflate, Predictor: true}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// withEXIF inserts an APP1 EXIF segment holding only an orientation tag
// right after the SOI marker of a JPEG.
func withEXIF(jpg []byte, orientation int, bigEndian bool) []byte {
	var bo byteOrder = binary.LittleEndian
	tiffHdr := []byte("II*\x00")
	if bigEndian {
		bo, tiffHdr = binary.BigEndian, []byte("MM\x00*")
	}
	var t []byte
	t = append(t, tiffHdr...)
	t = bo.AppendUint32(t, 8)      // IFD0 offset
	t = bo.AppendUint16(t, 2)      // two entries
	t = bo.AppendUint16(t, 0x010f) // Make, ASCII, 4 bytes inline: a tag before ours
	t = bo.AppendUint16(t, 2)      //
	t = bo.AppendUint32(t, 4)      //
	t = append(t, "Cam\x00"...)    //
	t = bo.AppendUint16(t, 0x0112) // Orientation
	t = bo.AppendUint16(t, 3)      // SHORT
	t = bo.AppendUint32(t, 1)      // one value
	t = bo.AppendUint16(t, uint16(orientation))
	t = append(t, 0, 0)       // padding of the value field
	t = bo.AppendUint32(t, 0) // no next IFD
	seg := append([]byte("Exif\x00\x00"), t...)
	app1 := []byte{0xff, 0xe1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// tiffOptions choose the layout writeTIFF uses.
type tiffOptions struct {
	bigEndian    bool
	tile         int  // tile side (a multiple of 16); 0 for strips
	rowsPerStrip int  // 0: one strip
	whiteIsZero  bool // grey stored with photometric interpretation 0
}

// encodeTIFF writes an uncompressed TIFF of img in strips or tiles: Gray and
// Gray16 as grey, opaque RGBA and RGBA64 as RGB, NRGBA and NRGBA64 as RGB
// with unassociated alpha.
func encodeTIFF(t testing.TB, img image.Image, o tiffOptions) []byte {
	t.Helper()
	var bo byteOrder = binary.LittleEndian
	out := []byte("II*\x00\x00\x00\x00\x00")
	if o.bigEndian {
		bo, out = binary.BigEndian, []byte("MM\x00*\x00\x00\x00\x00")
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	spp, bps, photometric, extra := 0, 8, 2, 0
	switch img.(type) {
	case *image.Gray:
		spp, photometric = 1, 1
	case *image.Gray16:
		spp, bps, photometric = 1, 16, 1
	case *image.RGBA64:
		spp, bps = 3, 16
	case *image.NRGBA64:
		spp, bps, extra = 4, 16, 2
	case *image.RGBA:
		spp = 3
	case *image.NRGBA:
		spp, extra = 4, 2
	default:
		t.Fatalf("encodeTIFF: %T", img)
	}
	// sample writes the samples of pixel (x, y), or zeros outside the image.
	sample := func(dst []byte, x, y int) []byte {
		if x >= w || y >= h {
			return append(dst, make([]byte, spp*bps/8)...)
		}
		// 8-bit samples come from the 8-bit non-premultiplied colour: going
		// through 16-bit premultiplied values would lose precision.
		var v []uint16
		if bps == 8 {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			v = []uint16{uint16(c.R) << 8, uint16(c.G) << 8, uint16(c.B) << 8, uint16(c.A) << 8}[:spp]
		} else {
			c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			v = []uint16{c.R, c.G, c.B, c.A}[:spp]
		}
		if spp == 1 {
			v = []uint16{color.Gray16Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray16).Y}
		}
		for _, s := range v {
			if bps == 8 {
				dst = append(dst, uint8(s>>8))
			} else {
				dst = bo.AppendUint16(dst, s)
			}
		}
		return dst
	}
	var offsets, counts []uint32
	if o.whiteIsZero && photometric == 1 {
		photometric = 0
	}
	if o.tile > 0 {
		for ty := 0; ty < h; ty += o.tile {
			for tx := 0; tx < w; tx += o.tile {
				offsets = append(offsets, uint32(len(out)))
				start := len(out)
				for y := ty; y < ty+o.tile; y++ {
					for x := tx; x < tx+o.tile; x++ {
						out = sample(out, x, y)
					}
				}
				counts = append(counts, uint32(len(out)-start))
			}
		}
	} else {
		rps := o.rowsPerStrip
		if rps == 0 {
			rps = h
		}
		for sy := 0; sy < h; sy += rps {
			offsets = append(offsets, uint32(len(out)))
			start := len(out)
			for y := sy; y < min(h, sy+rps); y++ {
				for x := range w {
					out = sample(out, x, y)
				}
			}
			counts = append(counts, uint32(len(out)-start))
		}
	}
	type entry struct {
		tag, typ uint16
		vals     []uint32
	}
	bpsVals := make([]uint32, spp)
	for i := range bpsVals {
		bpsVals[i] = uint32(bps)
	}
	entries := []entry{
		{256, 4, []uint32{uint32(w)}},
		{257, 4, []uint32{uint32(h)}},
		{258, 3, bpsVals},
		{259, 3, []uint32{1}},
		{262, 3, []uint32{uint32(photometric)}},
	}
	if o.tile == 0 {
		rps := o.rowsPerStrip
		if rps == 0 {
			rps = h
		}
		entries = append(entries, entry{273, 4, offsets}, entry{277, 3, []uint32{uint32(spp)}},
			entry{278, 4, []uint32{uint32(rps)}}, entry{279, 4, counts})
	} else {
		entries = append(entries, entry{277, 3, []uint32{uint32(spp)}})
	}
	entries = append(entries, entry{284, 3, []uint32{1}})
	if o.tile > 0 {
		entries = append(entries, entry{322, 3, []uint32{uint32(o.tile)}}, entry{323, 3, []uint32{uint32(o.tile)}},
			entry{324, 4, offsets}, entry{325, 4, counts})
	}
	if extra != 0 {
		entries = append(entries, entry{338, 3, []uint32{uint32(extra)}})
	}
	// Out-of-line value arrays first, then the IFD, word-aligned.
	arrays := map[int]uint32{}
	for i, e := range entries {
		size := map[uint16]int{3: 2, 4: 4}[e.typ]
		if size*len(e.vals) > 4 {
			if len(out)%2 == 1 {
				out = append(out, 0)
			}
			arrays[i] = uint32(len(out))
			for _, v := range e.vals {
				if e.typ == 3 {
					out = bo.AppendUint16(out, uint16(v))
				} else {
					out = bo.AppendUint32(out, v)
				}
			}
		}
	}
	if len(out)%2 == 1 {
		out = append(out, 0)
	}
	bo.PutUint32(out[4:], uint32(len(out)))
	out = bo.AppendUint16(out, uint16(len(entries)))
	for i, e := range entries {
		out = bo.AppendUint16(out, e.tag)
		out = bo.AppendUint16(out, e.typ)
		out = bo.AppendUint32(out, uint32(len(e.vals)))
		if off, ok := arrays[i]; ok {
			out = bo.AppendUint32(out, off)
			continue
		}
		var v [4]byte
		if e.typ == 3 {
			for j, x := range e.vals {
				bo.PutUint16(v[2*j:], uint16(x))
			}
		} else {
			bo.PutUint32(v[:], e.vals[0])
		}
		out = append(out, v[:]...)
	}
	return bo.AppendUint32(out, 0)
}

// bitWriter packs bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (b *bitWriter) put(v uint64, n uint) {
	b.acc |= v << b.nacc
	b.nacc += n
	for b.nacc >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nacc -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	if b.nacc > 0 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc, b.nacc = 0, 0
	}
	return b.buf
}

// encodeWebPLossless writes img as a lossless (VP8L) WebP with no
// transforms and no colour cache. Every Huffman code gives all 256 byte
// values 8-bit codes, so the code of a byte is the byte, sent most
// significant bit first (Huffman codes are read bit by bit). The code
// lengths are themselves sent with a two-symbol code-length code: 1 bit for
// "length 8", 1 bit for "length 0".
func encodeWebPLossless(img image.Image, alphaHint bool) []byte {
	b := img.Bounds()
	var bw bitWriter
	bw.put(0x2f, 8)
	bw.put(uint64(b.Dx()-1), 14)
	bw.put(uint64(b.Dy()-1), 14)
	if alphaHint {
		bw.put(1, 1)
	} else {
		bw.put(0, 1)
	}
	bw.put(0, 3) // version
	bw.put(0, 1) // no transform
	bw.put(0, 1) // no colour cache
	bw.put(0, 1) // no meta prefix codes
	// green (256 literals + 24 length prefixes), red, blue, alpha
	for _, size := range []int{280, 256, 256, 256} {
		bw.put(0, 1) // normal code
		bw.put(12-4, 4)
		// code length code lengths in kCodeLengthCodeOrder:
		// 17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8
		for i := range 12 {
			switch i {
			case 2, 11: // symbols 0 and 8
				bw.put(1, 3)
			default:
				bw.put(0, 3)
			}
		}
		bw.put(0, 1) // max_symbol = alphabet size
		for s := range size {
			if s < 256 {
				bw.put(1, 1) // symbol 8 has code 1
			} else {
				bw.put(0, 1) // symbol 0 has code 0
			}
		}
	}
	bw.put(1, 1) // distance: simple code
	bw.put(0, 1) // one symbol
	bw.put(0, 1) // of 1 bit
	bw.put(0, 1) // symbol 0
	rev := func(v uint8) uint64 {
		var r uint8
		for i := range 8 {
			r |= (v >> i & 1) << (7 - i)
		}
		return uint64(r)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			bw.put(rev(c.G), 8)
			bw.put(rev(c.R), 8)
			bw.put(rev(c.B), 8)
			bw.put(rev(c.A), 8)
		}
	}
	return riffWebP("VP8L", bw.bytes())
}

func riffWebP(fourcc string, data []byte) []byte {
	chunk := []byte(fourcc)
	chunk = binary.LittleEndian.AppendUint32(chunk, uint32(len(data)))
	chunk = append(chunk, data...)
	if len(data)%2 == 1 {
		chunk = append(chunk, 0)
	}
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(4+len(chunk)))
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}

// writeFile writes data to a new file in dir.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pngInfo reads the bit depth and channel count from a PNG's IHDR.
func pngInfo(t testing.TB, data []byte) (depth, channels int) {
	t.Helper()
	if len(data) < 26 || string(data[12:16]) != "IHDR" {
		t.Fatal("not a PNG")
	}
	return int(data[24]), map[byte]int{0: 1, 4: 2, 2: 3, 6: 4, 3: 3}[data[25]]
}

// samePixel compares two colours at the given bit depth, non-premultiplied.
// A non-premultiplied YCbCr colour with alpha is taken at its exact value:
// the standard library's conversion premultiplies it on the way.
func samePixel(a, b color.Color, depth int) bool {
	if c, ok := a.(color.NYCbCrA); ok {
		r, g, bl := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
		a = color.NRGBA{r, g, bl, c.A}
	}
	if depth == 16 {
		return color.NRGBA64Model.Convert(a) == color.NRGBA64Model.Convert(b)
	}
	return color.NRGBAModel.Convert(a) == color.NRGBAModel.Convert(b)
}

// vp8Flat is a lossy VP8 key frame, 16 × 12 pixels of the flat colour
// (60, 120, 200), and alphFlat an ALPH chunk payload making it half
// transparent. x/image has no WebP encoder, and a VP8 encoder (boolean
// entropy coder, DCT, the specification's thousand-entry probability
// tables) is more than a test helper should hold, so these bytes were made
// once with libvips (`vips webpsave --Q 90` of a flat 16 × 12 image) and
// copied out of its RIFF container; encodeWebPLossy builds the container.
var (
	vp8Flat = []byte{0xd0, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0x00, 0x0c, 0x00, 0x00, 0xc0, 0x12, 0x25, 0xa0, 0x02,
		0x74, 0xba, 0x01, 0xf8, 0x00, 0x03, 0xb0, 0x00, 0xfe, 0xee, 0x76, 0x7f, 0xff, 0x02, 0x77, 0xe0, 0x4e, 0xfc,
		0x09, 0xdf, 0xf8, 0x13, 0xbf, 0xfb, 0x5a, 0x1f, 0x4e, 0xef, 0xd3, 0xbb, 0xfc, 0x6d, 0x00, 0x00}
	alphFlat = []byte{0x01, 0x07, 0x50, 0xc0, 0x88, 0x08, 0x44, 0x44, 0xff, 0x03}
)

// encodeWebPLossy wraps vp8Flat in a simple (VP8) or, with alpha, an
// extended (VP8X + ALPH + VP8) WebP container.
func encodeWebPLossy(alpha bool) []byte {
	if !alpha {
		return riffWebP("VP8 ", vp8Flat)
	}
	chunk := func(id string, data []byte) []byte {
		c := binary.LittleEndian.AppendUint32([]byte(id), uint32(len(data)))
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	vp8x := []byte{0x10, 0, 0, 0, 15, 0, 0, 11, 0, 0} // alpha flag; canvas 16 × 12
	body := append([]byte("WEBP"), chunk("VP8X", vp8x)...)
	body = append(body, chunk("ALPH", alphFlat)...)
	body = append(body, chunk("VP8 ", vp8Flat)...)
	out := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body)))
	return append(out, body...)
}
