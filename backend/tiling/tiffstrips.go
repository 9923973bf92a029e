package tiling

import (
	"encoding/binary"
	"errors"
	"image"
	"io"

	"golang.org/x/image/tiff"
)

// decodeTIFF decodes a TIFF with x/image/tiff, except for uncompressed 8-
// and 16-bit images in strips, which it reads itself, straight into the
// image. x/image/tiff reads each strip whole into a buffer of its own: an
// ImageJ or scanner TIFF of one 400 MB strip needed 1.9 GB for a 400 MB
// image. Read here, it needs the image and a 1 MiB buffer. The result is
// the same image, of the same type, as x/image/tiff's (the tests and the
// fuzz target compare them).
func decodeTIFF(r io.Reader) (image.Image, error) {
	if sr, ok := r.(*io.SectionReader); ok {
		if img, ok, err := decodeTIFFStrips(sr, sr.Size()); ok {
			return img, err
		}
	}
	return tiff.Decode(r)
}

// errNoPixels is x/image/tiff's error for strips that are too short.
var errNoPixels = errors.New("tiff: invalid format: not enough pixel data")

// decodeTIFFStrips decodes the image if it is one it reads itself, and
// says whether it was.
func decodeTIFFStrips(r io.ReaderAt, size int64) (img image.Image, ok bool, err error) {
	d, err := readIFD(r, size)
	if err != nil {
		return nil, false, nil
	}
	if d.first(tagTileWidth, 0) != 0 || d.first(tagCompression, 1) > 1 ||
		d.first(tagPredictor, 1) == 2 || d.first(tagPlanarConfig, 1) == 2 {
		return nil, false, nil
	}
	ns := d.count(tagBitsPerSample)
	bps := d.first(tagBitsPerSample, 1)
	same := d.each(tagBitsPerSample, 0, ns, func(_ int64, v uint64) error {
		if v != bps {
			return errNoPixels
		}
		return nil
	}) == nil
	if !same || (bps != 8 && bps != 16) {
		return nil, false, nil
	}
	w, h := int(d.first(tagWidth, 0)), int(d.first(tagHeight, 0))
	if w <= 0 || h <= 0 || int64(w)*int64(h) > 1<<40 {
		return nil, false, nil
	}
	rect := image.Rect(0, 0, w, h)
	bpc := int(bps / 8)
	// Like x/image/tiff, a missing photometric interpretation is 0.
	invert := false
	switch photometric := d.first(tagPhotometric, 0); {
	case (photometric == 0 || photometric == 1) && ns == 1:
		invert = photometric == 0
		if bpc == 1 {
			img = image.NewGray(rect)
		} else {
			img = image.NewGray16(rect)
		}
	case photometric == 2 && ns == 3 && bpc == 1:
		img = image.NewRGBA(rect)
	case photometric == 2 && ns == 3:
		img = image.NewRGBA64(rect)
	case photometric == 2 && ns == 4 && d.first(tagExtraSamples, 0) == 1 && bpc == 1:
		img = image.NewRGBA(rect)
	case photometric == 2 && ns == 4 && d.first(tagExtraSamples, 0) == 1:
		img = image.NewRGBA64(rect)
	case photometric == 2 && ns == 4 && d.first(tagExtraSamples, 0) == 2 && bpc == 1:
		img = image.NewNRGBA(rect)
	case photometric == 2 && ns == 4 && d.first(tagExtraSamples, 0) == 2:
		img = image.NewNRGBA64(rect)
	default:
		return nil, false, nil
	}

	rows := int(d.first(tagRowsPerStrip, uint64(h)))
	if rows <= 0 || rows > h {
		rows = h
	}
	n := (h + rows - 1) / rows
	offsets, counts := make([]uint64, n), make([]uint64, n)
	if d.count(tagStripOffsets) < int64(n) || d.count(tagStripByteCounts) < int64(n) {
		return nil, true, errors.New("tiff: invalid format: inconsistent header")
	}
	for _, t := range []struct {
		tag uint16
		dst []uint64
	}{{tagStripOffsets, offsets}, {tagStripByteCounts, counts}} {
		if err := d.each(t.tag, 0, int64(n), func(i int64, v uint64) error { t.dst[i] = v; return nil }); err != nil {
			return nil, true, err
		}
	}

	rowBytes := w * int(ns) * bpc
	buf := make([]byte, max(rowBytes, min(1<<20, rows*rowBytes)))
	for i := range n {
		y0, y1 := i*rows, min(h, (i+1)*rows)
		if counts[i] > uint64(w)*uint64(rows)*8 {
			return nil, true, errors.New("tiff: invalid format: block data size too large")
		}
		if counts[i] < uint64((y1-y0)*rowBytes) {
			return nil, true, errNoPixels
		}
		for y := y0; y < y1; {
			k := min(y1-y, len(buf)/rowBytes)
			chunk := buf[:k*rowBytes]
			if _, err := r.ReadAt(chunk, int64(offsets[i])+int64((y-y0)*rowBytes)); err != nil {
				return nil, true, err
			}
			for j := range k {
				stripRow(img, y+j, chunk[j*rowBytes:(j+1)*rowBytes], d.bo, invert)
			}
			y += k
		}
	}
	return img, true, nil
}

// stripRow stores one row of samples into row y of img, as x/image/tiff
// would: 16-bit samples in the image's big-endian order, grey inverted for
// WhiteIsZero, RGB given an opaque alpha.
func stripRow(img image.Image, y int, s []byte, bo binary.ByteOrder, invert bool) {
	switch m := img.(type) {
	case *image.Gray:
		d := m.Pix[y*m.Stride:][:len(s)]
		copy(d, s)
		if invert {
			for i := range d {
				d[i] = 0xff - d[i]
			}
		}
	case *image.RGBA:
		d := m.Pix[y*m.Stride:]
		if len(s) == 4*m.Rect.Dx() {
			copy(d, s)
			return
		}
		for i, j := 0, 0; i+2 < len(s); i, j = i+3, j+4 {
			d[j], d[j+1], d[j+2], d[j+3] = s[i], s[i+1], s[i+2], 0xff
		}
	case *image.NRGBA:
		copy(m.Pix[y*m.Stride:], s)
	case *image.Gray16:
		swap16(m.Pix[y*m.Stride:], s, bo, 1, invert)
	case *image.RGBA64:
		swap16(m.Pix[y*m.Stride:], s, bo, len(s)/2/m.Rect.Dx(), false)
	case *image.NRGBA64:
		swap16(m.Pix[y*m.Stride:], s, bo, 4, false)
	}
}

// swap16 stores 16-bit samples, spp a pixel in s, as big-endian RGBA64
// pixels (or grey ones, spp 1) in d; RGB pixels get an opaque alpha.
func swap16(d, s []byte, bo binary.ByteOrder, spp int, invert bool) {
	out := spp
	if spp == 3 {
		out = 4
	}
	for i, j := 0, 0; i+2*spp <= len(s); i, j = i+2*spp, j+2*out {
		for k := range spp {
			v := bo.Uint16(s[i+2*k:])
			if invert {
				v = 0xffff - v
			}
			binary.BigEndian.PutUint16(d[j+2*k:], v)
		}
		if spp == 3 {
			d[j+6], d[j+7] = 0xff, 0xff
		}
	}
}
