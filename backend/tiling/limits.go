package tiling

import (
	"fmt"

	"github.com/tessera-lab/tessera/backend"
)

// Limits bound what Probe and Decode accept. Every check runs on header
// values, before a single pixel is allocated. A zero field means no limit.
type Limits struct {
	MaxWidth, MaxHeight int   // pixels on each side, after EXIF orientation
	MaxPixels           int64 // width × height
	MaxBytes            int64 // size of the file
}

// DefaultLimits admits a 1-gigapixel slide (32768 × 32768, or a long strip
// up to 200,000 px) in a file of up to 4 GiB. Decoded, such an image needs
// 1 to 8 bytes a pixel depending on its type. A progressive JPEG, whose
// decoder holds its coefficients too, may have a quarter of MaxPixels.
func DefaultLimits() Limits {
	return Limits{MaxWidth: 200_000, MaxHeight: 200_000, MaxPixels: 1 << 30, MaxBytes: 4 << 30}
}

// checkSize refuses a file over MaxBytes.
func (l Limits) checkSize(name string, size int64) error {
	if l.MaxBytes > 0 && size > l.MaxBytes {
		return backend.Errorf(backend.ETOOLARGE, "%s: file is %s, over the limit of %s",
			name, humanBytes(size), humanBytes(l.MaxBytes))
	}
	return nil
}

// checkDims refuses an image over MaxWidth, MaxHeight or MaxPixels.
func (l Limits) checkDims(name string, w, h int) error {
	if w <= 0 || h <= 0 {
		return backend.Errorf(backend.EINVALID, "%s: image has no pixels (%d × %d)", name, w, h)
	}
	switch px := int64(w) * int64(h); {
	case l.MaxWidth > 0 && w > l.MaxWidth:
		return backend.Errorf(backend.ETOOLARGE, "%s: image is %d px wide, over the limit of %d px", name, w, l.MaxWidth)
	case l.MaxHeight > 0 && h > l.MaxHeight:
		return backend.Errorf(backend.ETOOLARGE, "%s: image is %d px high, over the limit of %d px", name, h, l.MaxHeight)
	case l.MaxPixels > 0 && px > l.MaxPixels:
		return backend.Errorf(backend.ETOOLARGE, "%s: image is %d × %d = %s, over the limit of %s",
			name, w, h, humanPixels(px), humanPixels(l.MaxPixels))
	}
	return nil
}

// humanPixels writes a pixel count the way people say it: 1.07 gigapixels.
func humanPixels(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.3g gigapixels", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.3g megapixels", float64(n)/1e6)
	}
	return fmt.Sprintf("%d pixels", n)
}

// humanBytes writes a byte count in binary units: 4 GiB, 1.5 MiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.3g %ciB", v, "KMGTP"[i])
}
