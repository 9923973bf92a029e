package tiling

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/image/draw"

	"github.com/tessera-lab/tessera/backend"
)

// JPEGQuality is the quality of pyramid tiles and thumbnails.
const JPEGQuality = 85

// Pyramid tile sides: the default, when none is given, and the largest.
const (
	DefaultPyramidTileSize = 256
	MaxPyramidTileSize     = 8192
)

// Pyramid describes a Deep Zoom pyramid written by WritePyramid.
type Pyramid struct {
	Width, Height int    // of the full-resolution level
	TileSize      int    // tiles are TileSize square, smaller at the right and bottom edges; no overlap
	Levels        int    // levels 0 (1 × 1 px) to Levels-1 (full resolution)
	Format        string // tile file suffix: "jpg"
}

// LevelSize is the size of level l: the full size halved, rounded up,
// Levels-1-l times.
func (p Pyramid) LevelSize(l int) (w, h int) {
	s := p.Levels - 1 - l
	return ceilShift(p.Width, s), ceilShift(p.Height, s)
}

// LevelTiles is the number of tile columns and rows of level l.
func (p Pyramid) LevelTiles(l int) (cols, rows int) {
	w, h := p.LevelSize(l)
	return (w + p.TileSize - 1) / p.TileSize, (h + p.TileSize - 1) / p.TileSize
}

// TilePath is the path of a tile relative to the pyramid's folder, the Deep
// Zoom layout an OpenSeadragon tile source asks for: <level>/<col>_<row>.jpg.
func (p Pyramid) TilePath(level, col, row int) string {
	return filepath.Join(strconv.Itoa(level), fmt.Sprintf("%d_%d.%s", col, row, p.Format))
}

// DZI is the Deep Zoom descriptor of the pyramid, for viewers that want one.
func (p Pyramid) DZI() string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="%s" Overlap="0" TileSize="%d"><Size Width="%d" Height="%d"/></Image>
`, p.Format, p.TileSize, p.Width, p.Height)
}

// NewPyramid describes the pyramid of a w × h image: levels from 1 × 1 px
// up to full size, in tiles of tileSize px.
func NewPyramid(w, h, tileSize int) Pyramid {
	return Pyramid{Width: w, Height: h, TileSize: tileSize, Format: "jpg", Levels: bits.Len(uint(max(w, h)-1)) + 1}
}

// Tiles counts the tiles of every level.
func (p Pyramid) Tiles() int {
	total := 0
	for l := range p.Levels {
		c, r := p.LevelTiles(l)
		total += c * r
	}
	return total
}

func ceilShift(n, s int) int { return (n + 1<<s - 1) >> s }

// WritePyramid writes a Deep Zoom pyramid of img into dir: one folder per
// level, 0 (1 × 1 px) up to full resolution, each holding JPEG tiles
// <col>_<row>.jpg of tileSize px (0 means 256). A 16-bit image is shown
// through s (ComputeStretch when nil). Each level is a 2×2 box average of
// the one above it, computed on all cores and kept as grey or 4:2:0 YCbCr,
// what the JPEG encoder takes without conversion: besides img, at most two
// levels are in memory, the larger a quarter of img's pixels at 1.5 bytes
// each. progress counts tiles over all levels.
func WritePyramid(ctx context.Context, img image.Image, s *Stretch, dir string, tileSize int, progress func(done, total int)) (Pyramid, error) {
	if tileSize == 0 {
		tileSize = DefaultPyramidTileSize
	}
	b := img.Bounds()
	if tileSize < 0 || tileSize > MaxPyramidTileSize || b.Empty() {
		return Pyramid{}, backend.Errorf(backend.EINVALID, "cannot make a pyramid of %d px tiles from a %d × %d image (tiles are 1 to %d px)",
			tileSize, b.Dx(), b.Dy(), MaxPyramidTileSize)
	}
	p := NewPyramid(b.Dx(), b.Dy(), tileSize)
	total := p.Tiles()
	t := lutsFor(img, s)
	workers := runtime.NumCPU()
	done := 0
	cur := img
	for l := p.Levels - 1; l >= 0; l-- {
		if err := os.MkdirAll(filepath.Join(dir, strconv.Itoa(l)), 0o755); err != nil {
			return Pyramid{}, fmt.Errorf("pyramid folder: %w", err)
		}
		n, err := writeLevel(ctx, cur, t, p, l, dir, workers, func(d, _ int) {
			if progress != nil {
				progress(done+d, total)
			}
		})
		if err != nil {
			return Pyramid{}, err
		}
		done += n
		if l > 0 {
			next, err := halve(ctx, cur, t, workers)
			if err != nil {
				return Pyramid{}, err
			}
			cur, t = next, nil // the levels below are 8-bit Gray or YCbCr
		}
	}
	return p, nil
}

// lutsFor returns the 16-bit display tables of img, nil for 8-bit images.
func lutsFor(img image.Image, s *Stretch) *[4]lut {
	if !is16(img) {
		return nil
	}
	if s == nil {
		st := ComputeStretch(img)
		s = &st
	}
	return s.luts()
}

// writeLevel writes the tiles of level l from img, which has that level's
// size, and returns how many it wrote.
func writeLevel(ctx context.Context, img image.Image, t *[4]lut, p Pyramid, l int, dir string, workers int, progress func(done, total int)) (int, error) {
	cols, rows := p.LevelTiles(l)
	b := img.Bounds()
	// Our own levels and the types image/jpeg encodes fast go straight to
	// the encoder; anything else is converted a tile at a time.
	direct := false
	switch m := img.(type) {
	case *image.Gray, *image.YCbCr:
		direct = true
	case *image.RGBA:
		direct = m.Opaque()
	}
	channels, rowsOf := displayRows(img, t)
	bufs := make([]image.Image, workers)
	writers := make([]*bufio.Writer, workers)
	name := func(i int) string { return p.TilePath(l, i%cols, i/cols) }
	err := parallel(ctx, workers, cols*rows, progress, name, func(worker, i int) error {
		col, row := i%cols, i/cols
		r := image.Rect(col*p.TileSize, row*p.TileSize, (col+1)*p.TileSize, (row+1)*p.TileSize).
			Add(b.Min).Intersect(b)
		var tile image.Image
		if direct {
			tile = img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(r)
		} else {
			if bufs[worker] == nil {
				bufs[worker] = newDisplayImage(channels, min(p.TileSize, b.Dx()), min(p.TileSize, b.Dy()))
			}
			tile = fillDisplay(bufs[worker], channels, rowsOf, r)
		}
		if writers[worker] == nil {
			writers[worker] = bufio.NewWriterSize(nil, 64<<10)
		}
		return writeAtomic(filepath.Join(dir, p.TilePath(l, col, row)), writers[worker], func(w io.Writer) error {
			return jpeg.Encode(w, tile, &jpeg.Options{Quality: JPEGQuality})
		})
	})
	return cols * rows, err
}

func newDisplayImage(channels, w, h int) image.Image {
	if channels == 1 {
		return image.NewGray(image.Rect(0, 0, w, h))
	}
	return image.NewRGBA(image.Rect(0, 0, w, h))
}

// fillDisplay fills the top-left of buf with the display pixels of r and
// returns that part of buf.
func fillDisplay(buf image.Image, channels int, rows rowFunc, r image.Rectangle) image.Image {
	w, h := r.Dx(), r.Dy()
	if g, ok := buf.(*image.Gray); ok {
		for y := range h {
			rows(g.Pix[y*g.Stride:], r.Min.X, r.Min.Y+y, w)
		}
		return g.SubImage(image.Rect(0, 0, w, h))
	}
	m := buf.(*image.RGBA)
	line := make([]byte, 3*w)
	for y := range h {
		rows(line, r.Min.X, r.Min.Y+y, w)
		d := m.Pix[y*m.Stride:]
		for i := range w {
			d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = line[3*i], line[3*i+1], line[3*i+2], 0xff
		}
	}
	return m.SubImage(image.Rect(0, 0, w, h))
}

// shrink returns the display view of img reduced k times on each side by
// averaging k × k blocks (fewer at the right and bottom edges): a new
// *image.Gray or opaque *image.RGBA of ceil(w/k) × ceil(h/k).
func shrink(ctx context.Context, img image.Image, t *[4]lut, k, workers int) (image.Image, error) {
	channels, rows := displayRows(img, t)
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := (w+k-1)/k, (h+k-1)/k
	out := newDisplayImage(channels, ow, oh)
	var pix []byte
	var stride, bpp int
	if g, ok := out.(*image.Gray); ok {
		pix, stride, bpp = g.Pix, g.Stride, 1
	} else {
		m := out.(*image.RGBA)
		pix, stride, bpp = m.Pix, m.Stride, 4
	}
	const band = 16 // output rows a task
	name := func(i int) string { return fmt.Sprintf("shrink rows %d-%d", i*band, (i+1)*band-1) }
	err := parallel(ctx, workers, (oh+band-1)/band, nil, name, func(_, task int) error {
		line := make([]byte, w*channels)
		acc := make([]uint32, ow*channels)
		for oy := task * band; oy < min(oh, (task+1)*band); oy++ {
			clear(acc)
			ny := min(k, h-oy*k)
			for j := range ny {
				rows(line, b.Min.X, b.Min.Y+oy*k+j, w)
				sumBlocks(acc, line, channels, k)
			}
			d := pix[oy*stride:]
			for ox := range ow {
				cnt := uint32(min(k, w-ox*k) * ny)
				for c := range channels {
					d[ox*bpp+c] = uint8((acc[ox*channels+c] + cnt/2) / cnt)
				}
				if bpp == 4 {
					d[ox*bpp+3] = 0xff
				}
			}
		}
		return nil
	})
	return out, err
}

// sumBlocks adds each run of k pixels of line into one entry of acc.
func sumBlocks(acc []uint32, line []byte, channels, k int) {
	if k == 2 && channels == 3 {
		n := len(line) / 6
		for i := range n {
			s := line[6*i : 6*i+6]
			a := acc[3*i : 3*i+3]
			a[0] += uint32(s[0]) + uint32(s[3])
			a[1] += uint32(s[1]) + uint32(s[4])
			a[2] += uint32(s[2]) + uint32(s[5])
		}
		if len(line)%6 != 0 { // odd width: the last block has one pixel
			s, a := line[6*n:], acc[3*n:]
			a[0], a[1], a[2] = a[0]+uint32(s[0]), a[1]+uint32(s[1]), a[2]+uint32(s[2])
		}
		return
	}
	for i, v := range line {
		px, c := i/channels, i%channels
		acc[(px/k)*channels+c] += uint32(v)
	}
}

// WriteThumbnail writes a JPEG of img no larger than maxSide on its longer
// side (never enlarged), through s for 16-bit images (ComputeStretch when
// nil). It averages blocks of the source straight into a small image, so it
// needs little memory even for a gigapixel slide, then resamples bilinearly
// to the exact size.
func WriteThumbnail(img image.Image, s *Stretch, maxSide int, path string) error {
	b := img.Bounds()
	if maxSide <= 0 || b.Empty() {
		return backend.Errorf(backend.EINVALID, "cannot make a thumbnail of %d px from a %d × %d image", maxSide, b.Dx(), b.Dy())
	}
	w, h := b.Dx(), b.Dy()
	long := max(w, h)
	tw, th := w, h
	if long > maxSide {
		tw = max(1, int((int64(w)*int64(maxSide)+int64(long)/2)/int64(long)))
		th = max(1, int((int64(h)*int64(maxSide)+int64(long)/2)/int64(long)))
	}
	small, err := shrink(context.Background(), img, lutsFor(img, s), max(1, long/maxSide), runtime.NumCPU())
	if err != nil {
		return err
	}
	if sb := small.Bounds(); sb.Dx() != tw || sb.Dy() != th {
		channels := 3
		if _, ok := small.(*image.Gray); ok {
			channels = 1
		}
		dst := newDisplayImage(channels, tw, th)
		draw.BiLinear.Scale(dst.(draw.Image), dst.Bounds(), small, sb, draw.Src, nil)
		small = dst
	}
	return writeAtomic(path, nil, func(w io.Writer) error {
		return jpeg.Encode(w, small, &jpeg.Options{Quality: JPEGQuality})
	})
}

// halve returns the next pyramid level below img: half its size, rounded
// up, each pixel the mean of a 2 × 2 block (fewer at the right and bottom
// edges), as an *image.Gray for grey images and a 4:2:0 *image.YCbCr for the
// others. Grey and 4:2:0 images, the levels themselves and most JPEGs, are
// halved plane by plane; anything else goes through its display view.
func halve(ctx context.Context, img image.Image, t *[4]lut, workers int) (image.Image, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := (w+1)/2, (h+1)/2
	switch m := img.(type) {
	case *image.Gray:
		d := image.NewGray(image.Rect(0, 0, ow, oh))
		err := halvePlane(ctx, workers, d.Pix, d.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h)
		return d, err
	case *image.YCbCr:
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min == (image.Point{}) {
			d := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio420)
			cw, ch := (w+1)/2, (h+1)/2
			for _, p := range [][2][]byte{{d.Y, m.Y}, {d.Cb, m.Cb}, {d.Cr, m.Cr}} {
				stride, sstride, pw, ph := d.CStride, m.CStride, cw, ch
				if &p[0][0] == &d.Y[0] {
					stride, sstride, pw, ph = d.YStride, m.YStride, w, h
				}
				if err := halvePlane(ctx, workers, p[0], stride, p[1], sstride, pw, ph); err != nil {
					return nil, err
				}
			}
			return d, nil
		}
	}
	return halveDisplay(ctx, img, t, workers)
}

// halvePlane averages 2 × 2 blocks of a w × h plane of bytes into dst.
func halvePlane(ctx context.Context, workers int, dst []byte, dstStride int, src []byte, srcStride, w, h int) error {
	ow, oh := (w+1)/2, (h+1)/2
	const band = 64
	name := func(i int) string { return fmt.Sprintf("halve rows %d-%d", i*band, (i+1)*band-1) }
	return parallel(ctx, workers, (oh+band-1)/band, nil, name, func(_, task int) error {
		for oy := task * band; oy < min(oh, (task+1)*band); oy++ {
			r0 := src[2*oy*srcStride:][:w]
			r1 := r0
			if 2*oy+1 < h {
				r1 = src[(2*oy+1)*srcStride:][:w]
			}
			d := dst[oy*dstStride:][:ow]
			for ox := range w / 2 {
				d[ox] = uint8((uint32(r0[2*ox]) + uint32(r0[2*ox+1]) + uint32(r1[2*ox]) + uint32(r1[2*ox+1]) + 2) >> 2)
			}
			if w%2 == 1 {
				d[ow-1] = uint8((uint32(r0[w-1]) + uint32(r1[w-1]) + 1) >> 1)
			}
		}
		return nil
	})
}

// halveDisplay halves any image through its display view: into grey, or
// into RGB means converted to 4:2:0 YCbCr, two output rows at a time.
func halveDisplay(ctx context.Context, img image.Image, t *[4]lut, workers int) (image.Image, error) {
	channels, rows := displayRows(img, t)
	if channels == 1 {
		return shrink(ctx, img, t, 2, workers)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := (w+1)/2, (h+1)/2
	d := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio420)
	const band = 32 // output rows a task, even
	name := func(i int) string { return fmt.Sprintf("halve rows %d-%d", i*band, (i+1)*band-1) }
	err := parallel(ctx, workers, (oh+band-1)/band, nil, name, func(_, task int) error {
		line := make([]byte, 3*w)
		acc := [2][]uint32{make([]uint32, 3*ow), make([]uint32, 3*ow)} // sums of two output rows
		cnt := [2][]uint32{make([]uint32, ow), make([]uint32, ow)}
		for oy := task * band; oy < min(oh, (task+1)*band); oy += 2 {
			for k := range 2 {
				clear(acc[k])
				clear(cnt[k])
				for j := range 2 {
					y := 2*(oy+k) + j
					if y >= h {
						break
					}
					rows(line, b.Min.X, b.Min.Y+y, w)
					for x := range w {
						a := acc[k][3*(x/2):]
						a[0], a[1], a[2] = a[0]+uint32(line[3*x]), a[1]+uint32(line[3*x+1]), a[2]+uint32(line[3*x+2])
						cnt[k][x/2]++
					}
				}
			}
			for ox := 0; ox < ow; ox += 2 {
				var r, g, bl, n uint32
				for k := range 2 {
					for dx := range 2 {
						x := ox + dx
						if x >= ow || cnt[k][x] == 0 {
							continue
						}
						a, c := acc[k][3*x:], cnt[k][x]
						pr, pg, pb := uint8((a[0]+c/2)/c), uint8((a[1]+c/2)/c), uint8((a[2]+c/2)/c)
						yy, _, _ := color.RGBToYCbCr(pr, pg, pb)
						d.Y[(oy+k)*d.YStride+x] = yy
						r, g, bl, n = r+uint32(pr), g+uint32(pg), bl+uint32(pb), n+1
					}
				}
				_, cb, cr := color.RGBToYCbCr(uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((bl+n/2)/n))
				ci := (oy/2)*d.CStride + ox/2
				d.Cb[ci], d.Cr[ci] = cb, cr
			}
		}
		return nil
	})
	return d, err
}
