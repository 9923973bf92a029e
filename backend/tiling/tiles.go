package tiling

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tessera-lab/tessera/backend"
)

// TileOptions say how WriteTiles cuts an image.
type TileOptions struct {
	Size    int    // side of a tile in pixels; 0 means 512
	Overlap int    // pixels shared by neighbouring tiles, 0 <= Overlap < Size
	Workers int    // goroutines encoding tiles; 0 means runtime.NumCPU()
	Dir     string // folder the tiles are written to; created if missing
	Prefix  string // tile names are <Prefix>_r<row>_c<col>.png
	// Channels is Info.Channels of the decoded image, or 0. Tiles of a grey
	// image that the decoder returned as colour (grey+alpha PNG) stay grey
	// when it says 1 or 2; it is checked against the pixels, never trusted.
	Channels int
}

// DefaultTileSize is the tile side when TileOptions.Size is 0.
const DefaultTileSize = 512

// Tile is one tile of the grid: its place, its valid size (edge tiles are
// smaller, not padded) and its file name.
type Tile struct {
	Row, Col int
	X, Y     int // top-left pixel, relative to the image's top-left
	W, H     int
	File     string // base name in TileOptions.Dir
}

// TileGrid lays tiles of size px with overlap px shared over a w × h image,
// row by row. Columns start at 0, stride, 2·stride… (stride = size −
// overlap) and the last is the first to reach the right edge; rows the same.
// File names have no prefix (r000_c000.png); TileOptions.Grid adds it. It
// returns nil unless w, h, size > 0 and 0 <= overlap < size.
func TileGrid(w, h, size, overlap int) []Tile {
	tiles, err := grid(w, h, size, overlap, "")
	if err != nil {
		return nil
	}
	return tiles
}

// Grid is the grid WriteTiles writes for a w × h image with these options.
func (o TileOptions) Grid(w, h int) ([]Tile, error) {
	o = o.withDefaults()
	return grid(w, h, o.Size, o.Overlap, o.Prefix)
}

func (o TileOptions) withDefaults() TileOptions {
	if o.Size == 0 {
		o.Size = DefaultTileSize
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	return o
}

func grid(w, h, size, overlap int, prefix string) ([]Tile, error) {
	switch {
	case size <= 0:
		return nil, backend.Errorf(backend.EINVALID, "tile size must be positive, not %d", size)
	case overlap < 0 || overlap >= size:
		return nil, backend.Errorf(backend.EINVALID, "tile overlap must be at least 0 and less than the tile size %d, not %d", size, overlap)
	case w <= 0 || h <= 0:
		return nil, backend.Errorf(backend.EINVALID, "cannot tile an image of %d × %d", w, h)
	case strings.ContainsAny(prefix, "/\\\x00"):
		return nil, backend.Errorf(backend.EINVALID, "tile name prefix %q must not contain a path separator", prefix)
	}
	stride := size - overlap
	count := func(n int) int { return 1 + (max(0, n-size)+stride-1)/stride }
	cols, rows := count(w), count(h)
	digits := max(3, len(strconv.Itoa(max(rows, cols)-1)))
	if prefix != "" {
		prefix += "_"
	}
	tiles := make([]Tile, 0, rows*cols)
	for r := range rows {
		for c := range cols {
			x, y := c*stride, r*stride
			tiles = append(tiles, Tile{Row: r, Col: c, X: x, Y: y, W: min(size, w-x), H: min(size, h-y),
				File: fmt.Sprintf("%sr%0*d_c%0*d.png", prefix, digits, r, digits, c)})
		}
	}
	return tiles, nil
}

// WriteTiles cuts img into lossless PNG tiles in opt.Dir and returns the
// grid. Tiles keep the image's bit depth (16-bit stays 16-bit) and its
// channels (grey stays grey; alpha is kept unless every pixel is opaque).
// They are crops of img as it is, with no copy of the image: memory stays at
// img plus a few small buffers per worker. Each tile is written to a
// temporary file and renamed into place. progress, if not nil, is called
// after each tile, from one goroutine at a time. On cancellation or error it
// stops and returns the error; tiles already renamed into place are whole.
func WriteTiles(ctx context.Context, img image.Image, opt TileOptions, progress func(done, total int)) ([]Tile, error) {
	opt = opt.withDefaults()
	if opt.Dir == "" {
		return nil, backend.Errorf(backend.EINVALID, "no folder to write tiles to")
	}
	b := img.Bounds()
	tiles, err := grid(b.Dx(), b.Dy(), opt.Size, opt.Overlap, opt.Prefix)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("tiles folder: %w", err)
	}
	var f pixFormat
	var rows rowFunc
	if err := safely("inspect the image", func() error { f, rows = tileRows(img, opt.Channels); return nil }); err != nil {
		return nil, err
	}
	type workerState struct {
		enc *pngEncoder
		buf *bufio.Writer
	}
	state := make([]workerState, opt.Workers)
	err = parallel(ctx, opt.Workers, len(tiles), progress, func(i int) string { return tiles[i].File }, func(worker, i int) error {
		t := tiles[i]
		st := &state[worker]
		if st.enc == nil {
			st.enc, st.buf = newPNGEncoder(), bufio.NewWriterSize(nil, 64<<10)
		}
		r := image.Rect(t.X, t.Y, t.X+t.W, t.Y+t.H).Add(b.Min)
		return writeAtomic(filepath.Join(opt.Dir, t.File), st.buf, func(w io.Writer) error {
			return st.enc.encode(w, f, rows, r)
		})
	})
	if err != nil {
		return nil, err
	}
	return tiles, nil
}

// parallel runs task(worker, i) for i in [0, n) on workers goroutines and
// reports progress after each. It stops at the first error or when ctx is
// done, and turns a panic into an error that names the task.
func parallel(ctx context.Context, workers, n int, progress func(done, total int), name func(i int) string, task func(worker, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for w := range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(context.Cause(ctx))
					return
				}
				if err := safely(name(i), func() error { return task(w, i) }); err != nil {
					fail(err)
					return
				}
				mu.Lock()
				done++
				if progress != nil && firstErr == nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}

// safely runs fn and turns a panic into an error.
func safely(what string, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: panic: %v", what, p)
		}
	}()
	return fn()
}

// writeAtomic writes a file through a temporary file in the same folder,
// renamed into place once it is complete, so a crash never leaves half a
// file under the final name. It does not fsync: the tiles can be cut again
// from the original if the machine loses power.
// bw, if not nil, is a buffer to reuse; it is Reset onto the file.
func writeAtomic(path string, bw *bufio.Writer, write func(io.Writer) error) (err error) {
	name := filepath.Base(path)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	renamed := false
	defer func() { // also when write panics
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if bw == nil {
		bw = bufio.NewWriterSize(tmp, 64<<10)
	}
	bw.Reset(tmp)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	renamed = true
	return nil
}
