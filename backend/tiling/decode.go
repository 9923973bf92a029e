package tiling

import (
	"image"
	"io"
	"path/filepath"

	"github.com/tessera-lab/tessera/backend"
)

// Decode decodes the image at path within lim. It probes first (format from
// the content, caps and header checks before any pixel is allocated), turns
// a JPEG upright by its EXIF orientation, and returns a decoder's panic as
// an EINVALID error that names the file.
//
// The image is the decoder's own type: *image.Gray, *image.Gray16,
// *image.RGBA, *image.NRGBA, *image.RGBA64, *image.NRGBA64, *image.Paletted,
// *image.YCbCr, *image.NYCbCrA or *image.CMYK.
func Decode(path string, lim Limits) (image.Image, Info, error) {
	name := filepath.Base(path)
	f, size, err := open(path)
	if err != nil {
		return nil, Info{}, err
	}
	defer f.Close()
	info, fm, err := probe(name, f, size, lim)
	if err != nil {
		return nil, Info{}, err
	}
	img, err := decodeSafe(name, fm, f, size)
	if err != nil {
		return nil, Info{}, err
	}
	w, h := info.Width, info.Height
	if info.Orientation >= 5 {
		w, h = h, w
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		return nil, Info{}, backend.Errorf(backend.EINVALID, "%s: the %s header says %d × %d but the pixels are %d × %d",
			name, fm.name, w, h, b.Dx(), b.Dy())
	}
	return orient(img, info.Orientation), info, nil
}

// decodeSafe runs the format's decoder and turns its panics into errors.
func decodeSafe(name string, f *format, r io.ReaderAt, size int64) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, backend.Errorf(backend.EINVALID,
				"%s: the %s decoder failed on this file (%v): it is corrupt or uses a feature Tessera cannot read", name, f.name, p)
		}
	}()
	img, err = f.decode(f.reader(r, size, 256<<10))
	if err != nil {
		return nil, corrupt(name, f.name, err)
	}
	return img, nil
}
