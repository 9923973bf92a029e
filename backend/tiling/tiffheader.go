package tiling

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// TIFF tags the header check reads.
const (
	tagWidth           = 256
	tagHeight          = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagStripOffsets    = 273
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagPlanarConfig    = 284
	tagPredictor       = 317
	tagTileWidth       = 322
	tagTileLength      = 323
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
	tagExtraSamples    = 338
)

// tiffRatio is the most each compression x/image/tiff decodes can expand
// its input: LZW emits at most 4096 bytes for a 9-bit code, deflate 258 for
// two bits, PackBits 128 for two bytes. CCITT fax codes (1-bit images) have
// no useful bound and are only checked against the file size.
var tiffRatio = map[uint64]float64{0: 1, 1: 1, 5: 4096 * 8 / 9, 8: deflateMaxRatio, 32946: deflateMaxRatio, 32773: 64, 3: 0, 4: 0}

var tiffCompressionName = map[uint64]string{
	2: "CCITT modified Huffman", 6: "old-style JPEG", 7: "JPEG", 34712: "JPEG 2000",
	33003: "Aperio JPEG 2000", 33005: "Aperio JPEG 2000", 34925: "LZMA", 50000: "Zstandard", 50001: "WebP",
}

type ifd struct {
	r       io.ReaderAt
	size    int64
	bo      binary.ByteOrder
	entries map[uint16][]byte // the 12-byte entry of each tag
}

func readIFD(r io.ReaderAt, size int64) (*ifd, error) {
	b, err := readAt(r, size, 0, 8)
	if err != nil {
		return nil, err
	}
	d := &ifd{r: r, size: size, bo: binary.LittleEndian, entries: map[uint16][]byte{}}
	if b[0] == 'M' {
		d.bo = binary.BigEndian
	}
	off := int64(d.bo.Uint32(b[4:]))
	c, err := readAt(r, size, off, 2)
	if err != nil {
		return nil, err
	}
	n := int64(d.bo.Uint16(c))
	all, err := readAt(r, size, off+2, 12*n)
	if err != nil {
		return nil, err
	}
	for i := range n {
		e := all[12*i : 12*i+12]
		d.entries[d.bo.Uint16(e)] = e
	}
	return d, nil
}

// count is the number of values of tag, 0 if it is missing.
func (d *ifd) count(tag uint16) int64 {
	if e, ok := d.entries[tag]; ok {
		return int64(d.bo.Uint32(e[4:]))
	}
	return 0
}

// first is the first value of an integer tag, or def.
func (d *ifd) first(tag uint16, def uint64) uint64 {
	v := def
	_ = d.each(tag, 0, 1, func(_ int64, x uint64) error { v = x; return nil })
	return v
}

// each calls fn with values start to end-1 of an integer (BYTE, SHORT,
// LONG) tag, reading them from the file in bounded chunks.
func (d *ifd) each(tag uint16, start, end int64, fn func(i int64, v uint64) error) error {
	e, ok := d.entries[tag]
	if !ok {
		return fmt.Errorf("TIFF tag %d is missing", tag)
	}
	var sz int64
	switch d.bo.Uint16(e[2:]) {
	case 1:
		sz = 1
	case 3:
		sz = 2
	case 4:
		sz = 4
	default:
		return fmt.Errorf("TIFF tag %d has a non-integer type", tag)
	}
	n := int64(d.bo.Uint32(e[4:]))
	end = min(end, n)
	var data []byte
	base := int64(-1)
	if sz*n <= 4 {
		data = e[8:12]
	} else {
		base = int64(d.bo.Uint32(e[8:]))
		if base > d.size || sz*n > d.size-base {
			return fmt.Errorf("TIFF tag %d points past the end of the file", tag)
		}
	}
	const chunk = 8192
	for i := start; i < end; i++ {
		k := i
		if base >= 0 {
			k = (i - start) % chunk
			if k == 0 {
				var err error
				if data, err = readAt(d.r, d.size, base+sz*i, sz*min(chunk, end-i)); err != nil {
					return err
				}
			}
		}
		var v uint64
		switch sz {
		case 1:
			v = uint64(data[k])
		case 2:
			v = uint64(d.bo.Uint16(data[2*k:]))
		case 4:
			v = uint64(d.bo.Uint32(data[4*k:]))
		}
		if err := fn(i, v); err != nil {
			return err
		}
	}
	return nil
}

func tiffHeader(r io.ReaderAt, size int64, cfg image.Config) (header, error) {
	d, err := readIFD(r, size)
	if err != nil {
		return header{}, err
	}
	h := header{bitDepth: 8, orientation: 1}
	// Like x/image/tiff, count samples by the entries of BitsPerSample.
	spp, bps := uint64(max(d.count(tagBitsPerSample), 1)), d.first(tagBitsPerSample, 1)
	if spp > 8 || bps > 64 {
		return header{}, fmt.Errorf("TIFF with %d samples of %d bits a pixel is not supported", spp, bps)
	}
	if bps == 16 {
		h.bitDepth = 16
	}
	switch d.first(tagPhotometric, 1) {
	case 0, 1:
		h.channels = 1
	case 2:
		h.channels = int(min(spp, 4))
	default:
		h.channels = 3 // palette
	}
	if spp > 1 && d.first(tagPlanarConfig, 1) == 2 {
		return header{}, errors.New("TIFF files with separate colour planes are not supported: save it with interleaved (chunky) pixels")
	}
	comp := d.first(tagCompression, 1)
	ratio, ok := tiffRatio[comp]
	if !ok {
		name := tiffCompressionName[comp]
		if name == "" {
			name = fmt.Sprint("number ", comp)
		}
		return header{}, fmt.Errorf("TIFF compression %s is not supported: save it uncompressed or with LZW or Deflate", name)
	}

	// The strips or tiles: where they are and how many bytes they hold.
	w, ht := int64(cfg.Width), int64(cfg.Height)
	rowBytes := (w*int64(spp*bps) + 7) / 8
	offTag, cntTag := uint16(tagStripOffsets), uint16(tagStripByteCounts)
	var n, rows int64 // blocks, and rows in a strip (0 for tiles)
	if tw := int64(d.first(tagTileWidth, 0)); tw > 0 {
		th := int64(d.first(tagTileLength, 0))
		if th <= 0 {
			return header{}, errors.New("TIFF tile length is missing")
		}
		n = (w + tw - 1) / tw * ((ht + th - 1) / th)
		offTag, cntTag = tagTileOffsets, tagTileByteCounts
	} else {
		rows = int64(d.first(tagRowsPerStrip, uint64(ht)))
		if rows <= 0 || rows > ht {
			rows = ht
		}
		n = (ht + rows - 1) / rows
	}
	if d.count(offTag) < n || d.count(cntTag) < n {
		return header{}, fmt.Errorf("the TIFF header lists fewer strips or tiles than its %d × %d pixels need", w, ht)
	}
	counts := make([]uint64, min(n, 8192)) // a window of counts, paired with offsets below
	var total float64
	for start := int64(0); start < n; start += int64(len(counts)) {
		m := min(int64(len(counts)), n-start)
		err := d.each(cntTag, start, start+m, func(i int64, v uint64) error {
			counts[i-start] = v
			return nil
		})
		if err != nil {
			return header{}, err
		}
		err = d.each(offTag, start, start+m, func(i int64, off uint64) error {
			c := counts[i-start]
			if off > uint64(size) || c > uint64(size)-off {
				return fmt.Errorf("TIFF strip or tile %d lies past the end of the file: the file is truncated", i)
			}
			if rows > 0 && ratio == 1 {
				if need := min(rows, ht-i*rows) * rowBytes; int64(c) < need {
					return fmt.Errorf("the TIFF header claims %d × %d pixels, but strip %d holds %d bytes of the %d its rows need: the file is truncated or corrupt",
						w, ht, i, c, need)
				}
			}
			total += float64(c)
			return nil
		})
		if err != nil {
			return header{}, err
		}
	}
	if ratio > 0 && total*ratio < float64(ht)*float64(rowBytes) {
		return header{}, claimErr("TIFF", cfg, "image data", int64(total))
	}
	return h, nil
}
