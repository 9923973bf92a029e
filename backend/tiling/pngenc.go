package tiling

import (
	"encoding/binary"
	"hash/crc32"
	"image"
	"io"
	"math/bits"

	"github.com/klauspost/compress/flate"
)

// pngEncoder writes lossless PNG tiles, fast. image/png chooses a filter for
// every row by trying all five and deflates with the standard library's
// LZ77 at every level; on photographs, slides and aerial pictures (sensor
// noise leaves LZ77 almost nothing to find) that runs at about 25 MB/s.
// This encoder uses the Up filter and deflates each 64 KiB window on its
// own, choosing by the window's content:
//
//   - Huffman coding alone (klauspost/compress's HuffmanOnly, about 500
//     MB/s) for windows with few repeated bytes: it is what deflate achieves
//     on noisy pixels anyway;
//   - klauspost/compress's level 1 LZ77 (1-2 GB/s) for windows where more
//     than half the bytes repeat the pixel above or to the left: flat
//     backgrounds, saturated areas, drawings, for which LZ77 makes the tile
//     a hundred times smaller than Huffman coding can.
//
// The windows are deflate blocks ended by a sync flush, so they concatenate
// into one valid zlib stream. BenchmarkPNGEncoders compares it with
// image/png. One encoder serves one goroutine and reuses its buffers.
type pngEncoder struct {
	lz, huff        *flate.Writer
	idat            chunkWriter
	win             []byte // filtered rows waiting to be deflated
	repeats         int    // bytes of win equal to the byte above or to the left
	adler           uint32
	cur, prev, line []byte
}

// deflateWindow is how much filtered data is deflated at a time.
const deflateWindow = 64 << 10

func newPNGEncoder() *pngEncoder {
	lz, _ := flate.NewWriter(io.Discard, 1) // valid levels cannot fail
	huff, _ := flate.NewWriter(io.Discard, flate.HuffmanOnly)
	return &pngEncoder{lz: lz, huff: huff, win: make([]byte, 0, deflateWindow)}
}

// encode writes the pixels of r, as rows gives them in format f, to w.
func (e *pngEncoder) encode(w io.Writer, f pixFormat, rows rowFunc, r image.Rectangle) error {
	width, height := r.Dx(), r.Dy()
	bpp := f.bytesPerPixel()
	n := width * bpp
	if cap(e.cur) < n {
		e.cur, e.prev, e.line = make([]byte, n), make([]byte, n), make([]byte, n+1)
	}
	cur, prev, line := e.cur[:n], e.prev[:n], e.line[:n+1]

	var hdr [13]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(width))
	binary.BigEndian.PutUint32(hdr[4:], uint32(height))
	hdr[8] = byte(f.depth)
	hdr[9] = [...]byte{1: 0, 2: 4, 3: 2, 4: 6}[f.channels] // PNG colour type
	if _, err := io.WriteString(w, "\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	if err := writeChunk(w, "IHDR", hdr[:]); err != nil {
		return err
	}
	e.idat.reset(w)
	e.win, e.repeats, e.adler = e.win[:0], 0, 1
	e.idat.Write([]byte{0x78, 0x01}) // zlib header: deflate, 32 KiB window, fastest
	for y := r.Min.Y; y < r.Max.Y; y++ {
		rows(cur, r.Min.X, y, width)
		e.repeats += filterRow(line, cur, prev, bpp, y == r.Min.Y)
		if len(e.win)+len(line) > cap(e.win) {
			if err := e.deflate(); err != nil {
				return err
			}
		}
		e.win = append(e.win, line...)
		cur, prev = prev, cur
	}
	if err := e.deflate(); err != nil {
		return err
	}
	// A final empty stored block, then the Adler-32 of the filtered data.
	var tail [9]byte
	copy(tail[:], "\x01\x00\x00\xff\xff")
	binary.BigEndian.PutUint32(tail[5:], e.adler)
	e.idat.Write(tail[:])
	if err := e.idat.flush(); err != nil {
		return err
	}
	return writeChunk(w, "IEND", nil)
}

// deflate compresses the window into IDAT data as non-final blocks.
func (e *pngEncoder) deflate() error {
	if len(e.win) == 0 {
		return e.idat.err
	}
	e.adler = adler32Update(e.adler, e.win)
	z := e.huff
	if 2*e.repeats > len(e.win) {
		z = e.lz
	}
	z.Reset(&e.idat)
	if _, err := z.Write(e.win); err != nil {
		return err
	}
	if err := z.Flush(); err != nil {
		return err
	}
	e.win, e.repeats = e.win[:0], 0
	return e.idat.err
}

// adler32Update continues an Adler-32 checksum; hash/adler32 has no
// function for that short of a hash.Hash32 and its state marshalling.
func adler32Update(a uint32, p []byte) uint32 {
	const mod, nmax = 65521, 5552
	s1, s2 := a&0xffff, a>>16
	for len(p) > 0 {
		q := p[:min(len(p), nmax)]
		p = p[len(q):]
		for len(q) >= 4 {
			s1 += uint32(q[0])
			s2 += s1
			s1 += uint32(q[1])
			s2 += s1
			s1 += uint32(q[2])
			s2 += s1
			s1 += uint32(q[3])
			s2 += s1
			q = q[4:]
		}
		for _, b := range q {
			s1 += uint32(b)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
	}
	return s2<<16 | s1
}

// filterRow writes the filter type byte and the filtered row into line and
// returns how many bytes repeat the byte above or the one a pixel to the
// left. It uses Up, one subtraction a byte, which compresses photographs and
// slides as well as choosing the best filter per row did in our
// measurements, at a fraction of the cost; the first row has no row above
// and uses Sub.
func filterRow(line, cur, prev []byte, bpp int, first bool) (repeats int) {
	out := line[1:]
	out = out[:len(cur)]
	if first {
		line[0] = 1 // Sub
		copy(out[:bpp], cur[:bpp])
		for i := bpp; i < len(cur); i++ {
			out[i] = cur[i] - cur[i-bpp]
			if out[i] == 0 {
				repeats++
			}
		}
		return repeats
	}
	line[0] = 2 // Up
	prev = prev[:len(cur)]
	// Eight bytes at a time: a subtraction without carries between bytes,
	// and zero bytes counted with bit tricks.
	i, vert, horiz := 0, 0, 0
	for ; i+8 <= len(cur); i += 8 {
		d := sub8(le64(cur[i:]), le64(prev[i:]))
		binary.LittleEndian.PutUint64(out[i:], d)
		vert += zeros8(d)
	}
	for ; i < len(cur); i++ {
		out[i] = cur[i] - prev[i]
		if out[i] == 0 {
			vert++
		}
	}
	for i = bpp; i+8 <= len(cur); i += 8 {
		horiz += zeros8(le64(cur[i:]) ^ le64(cur[i-bpp:]))
	}
	return max(vert, horiz)
}

const (
	lo7 = 0x7f7f7f7f7f7f7f7f
	hi1 = 0x8080808080808080
)

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// sub8 subtracts the bytes of b from those of a, each modulo 256.
func sub8(a, b uint64) uint64 { return ((a | hi1) - (b &^ hi1)) ^ ((a ^ ^b) & hi1) }

// zeros8 counts the zero bytes of x.
func zeros8(x uint64) int { return bits.OnesCount64(^(((x & lo7) + lo7) | x) & hi1) }

func writeChunk(w io.Writer, typ string, data []byte) error {
	var b [8]byte
	binary.BigEndian.PutUint32(b[:4], uint32(len(data)))
	copy(b[4:], typ)
	crc := crc32.Update(crc32.ChecksumIEEE(b[4:8]), crc32.IEEETable, data)
	if _, err := w.Write(b[:]); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	binary.BigEndian.PutUint32(b[:4], crc)
	_, err := w.Write(b[:4])
	return err
}

// chunkWriter gathers the zlib stream into IDAT chunks of up to 256 KiB.
type chunkWriter struct {
	w   io.Writer
	buf []byte
	err error
}

const idatSize = 256 << 10

func (c *chunkWriter) reset(w io.Writer) {
	c.w, c.err = w, nil
	if c.buf == nil {
		c.buf = make([]byte, 0, idatSize)
	}
	c.buf = c.buf[:0]
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && c.err == nil {
		k := copy(c.buf[len(c.buf):cap(c.buf)], p)
		c.buf, p = c.buf[:len(c.buf)+k], p[k:]
		if len(c.buf) == cap(c.buf) {
			c.err = c.flush()
		}
	}
	return n, c.err
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return c.err
	}
	err := writeChunk(c.w, "IDAT", c.buf)
	c.buf = c.buf[:0]
	if c.err == nil {
		c.err = err
	}
	return c.err
}
