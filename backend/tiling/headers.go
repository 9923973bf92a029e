package tiling

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// The header readers below fill in what DecodeConfig leaves out and check
// that the file can hold the pixels its header claims. A check of the second
// kind uses the largest compression ratio the format allows, so it never
// refuses a valid file; it stops the cheap lie (a few hundred bytes claiming
// a gigapixel) before the decoder allocates the image.

// errShort is returned when a header points past the end of the file.
var errShort = errors.New("truncated header")

// readAt reads n bytes at off, or fails with errShort if the file ends first.
func readAt(r io.ReaderAt, size, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > size || n > size-off {
		return nil, errShort
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil && !(err == io.EOF && off+n == size) {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errShort
		}
		return nil, err
	}
	return b, nil
}

// claimErr says a header claims more pixels than the file can hold.
func claimErr(format string, cfg image.Config, what string, n int64) error {
	return fmt.Errorf("the %s header claims %d × %d pixels, but %s of %s cannot hold them: the file is truncated or corrupt",
		format, cfg.Width, cfg.Height, what, humanBytes(n))
}

// ---- PNG ----

// deflateMaxRatio bounds how much deflate can expand: a 258-byte match in
// two bits.
const deflateMaxRatio = 1032

func pngHeader(r io.ReaderAt, size int64, cfg image.Config) (header, error) {
	b, err := readAt(r, size, 0, 33)
	if err != nil {
		return header{}, err
	}
	depth, ct := int(b[24]), b[25]
	// tRNS comes before the first IDAT: it makes Go decode with alpha.
	trns := false
	for off, i := int64(33), 0; i < 1024; i++ {
		c, err := readAt(r, size, off, 8)
		if err != nil {
			break
		}
		typ := string(c[4:8])
		if typ == "IDAT" || typ == "IEND" {
			break
		}
		trns = trns || typ == "tRNS"
		off += 12 + int64(binary.BigEndian.Uint32(c))
	}
	var samples, channels int
	switch ct {
	case 0:
		samples, channels = 1, 1
	case 2:
		samples, channels = 3, 3
	case 3:
		samples, channels = 1, 3
	case 4:
		samples, channels = 2, 2
	case 6:
		samples, channels = 4, 4
	default:
		return header{}, fmt.Errorf("PNG colour type %d is not valid", ct)
	}
	if trns && (ct == 0 || ct == 2 || ct == 3) {
		channels++
	}
	h := header{bitDepth: 8, channels: channels, orientation: 1}
	if depth == 16 {
		h.bitDepth = 16
	}
	rowBytes := 1 + (float64(cfg.Width)*float64(samples*depth)+7)/8
	if float64(size)*deflateMaxRatio < float64(cfg.Height)*rowBytes {
		return header{}, claimErr("PNG", cfg, "a file", size)
	}
	return h, nil
}

// ---- JPEG ----

func jpegHeader(r io.ReaderAt, size int64, cfg image.Config) (header, error) {
	h := header{bitDepth: 8, channels: 3, orientation: 1}
	off := int64(2)
	for range 1024 {
		b, err := readAt(r, size, off, 4)
		if err != nil {
			return h, nil // the decoder has read the frame header: enough
		}
		if b[0] != 0xff {
			return header{}, fmt.Errorf("corrupt JPEG marker at byte %d", off)
		}
		m := b[1]
		switch {
		case m == 0xff: // fill byte
			off++
			continue
		case m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7):
			off += 2
			continue
		case m == 0xda || m == 0xd9: // start of scan, end of image
			return h, nil
		}
		n := int64(binary.BigEndian.Uint16(b[2:]))
		if n < 2 {
			return header{}, fmt.Errorf("corrupt JPEG segment length at byte %d", off)
		}
		seg, err := readAt(r, size, off+4, n-2)
		if err != nil {
			return header{}, err
		}
		switch {
		case m == 0xe1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00":
			h.orientation = exifOrientation(seg[6:])
		case m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc:
			if len(seg) < 6 {
				return header{}, errors.New("corrupt JPEG frame header")
			}
			if seg[5] == 1 {
				h.channels = 1
			}
			h.progressive = m == 0xc2
			if m == 0xc0 || m == 0xc1 || m == 0xc2 {
				if err := jpegPlausible(seg, size, cfg, h.progressive); err != nil {
					return header{}, err
				}
			}
		}
		off += 2 + n
	}
	return h, nil
}

// jpegPlausible checks a JPEG's size: in a sequential JPEG every 8×8 block
// of every component takes at least two bits (a DC code and an end-of-block
// code); in a progressive one its first (DC) scan still takes a bit a
// block, while later scans can code runs of empty blocks in a few bits.
func jpegPlausible(sof []byte, size int64, cfg image.Config, progressive bool) error {
	nc := int(sof[5])
	if len(sof) < 6+3*nc || nc == 0 {
		return errors.New("corrupt JPEG frame header")
	}
	hmax, vmax, perMCU := 1, 1, 0
	for i := range nc {
		hs, vs := int(sof[7+3*i]>>4), int(sof[7+3*i]&15)
		hmax, vmax = max(hmax, hs), max(vmax, vs)
		perMCU += hs * vs
	}
	var blocks float64
	if nc == 1 {
		blocks = float64((cfg.Width+7)/8) * float64((cfg.Height+7)/8)
	} else {
		blocks = float64((cfg.Width+8*hmax-1)/(8*hmax)) * float64((cfg.Height+8*vmax-1)/(8*vmax)) * float64(perMCU)
	}
	// Two bits a block is blocks/4 bytes (one bit, progressive: blocks/8);
	// allow half of that, for margin.
	least := blocks / 8
	if progressive {
		least = blocks / 16
	}
	if float64(size) < least {
		return claimErr("JPEG", cfg, "a file", size)
	}
	return nil
}

// exifOrientation reads tag 0x0112 from IFD0 of an EXIF TIFF structure; it
// returns 1 for anything missing or malformed.
func exifOrientation(b []byte) int {
	if len(b) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int64(bo.Uint32(b[4:8]))
	if off < 8 || off+2 > int64(len(b)) {
		return 1
	}
	n := int64(bo.Uint16(b[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > int64(len(b)) {
			return 1
		}
		if bo.Uint16(b[e:]) == 0x0112 {
			if bo.Uint16(b[e+2:]) != 3 { // SHORT
				return 1
			}
			if v := int(bo.Uint16(b[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// ---- BMP ----

func bmpHeader(r io.ReaderAt, size int64, cfg image.Config) (header, error) {
	b, err := readAt(r, size, 0, 34)
	if err != nil {
		return header{}, err
	}
	offset := int64(binary.LittleEndian.Uint32(b[10:]))
	infoLen := binary.LittleEndian.Uint32(b[14:])
	bpp := int64(binary.LittleEndian.Uint16(b[28:]))
	h := header{bitDepth: 8, channels: 3, orientation: 1}
	if bpp == 32 && infoLen > 40 {
		h.channels = 4
	}
	row := (int64(cfg.Width)*bpp + 31) / 32 * 4
	if need := offset + row*int64(cfg.Height); need > size {
		return header{}, claimErr("BMP", cfg, "a file", size)
	}
	return h, nil
}

// ---- WebP ----

func webpHeader(r io.ReaderAt, size int64, cfg image.Config) (header, error) {
	h := header{bitDepth: 8, channels: 3, orientation: 1}
	alpha := false
	for off, i := int64(12), 0; i < 64; i++ {
		c, err := readAt(r, size, off, 8)
		if err != nil {
			return header{}, err
		}
		id, n := string(c[:4]), int64(binary.LittleEndian.Uint32(c[4:]))
		switch id {
		case "VP8X":
			f, err := readAt(r, size, off+8, 1)
			if err != nil {
				return header{}, err
			}
			if f[0]&0x02 != 0 {
				return header{}, errors.New("animated WebP images are not supported")
			}
			alpha = f[0]&0x10 != 0
		case "ALPH":
			f, err := readAt(r, size, off+8, 1)
			if err != nil {
				return header{}, err
			}
			if f[0]&3 == 0 && n-1 < int64(cfg.Width)*int64(cfg.Height) {
				return header{}, claimErr("WebP", cfg, "an alpha chunk", n)
			}
		case "VP8 ":
			if alpha {
				h.channels = 4
			}
			return h, nil
		case "VP8L":
			f, err := readAt(r, size, off+8, 5)
			if err != nil {
				return header{}, err
			}
			if alpha || binary.LittleEndian.Uint32(f[1:])&(1<<28) != 0 {
				h.channels = 4
			}
			return h, nil
		}
		off += 8 + n + n&1
	}
	return header{}, errors.New("no image data in the WebP file")
}
