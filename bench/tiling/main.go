// Command tiling benchmarks Tessera's image tiling against libvips.
//
//	go run ./bench/tiling gen -o big.png -w 10000 -h 10000
//	go run ./bench/tiling tiles -in big.png -out tiles/
//	go run ./bench/tiling pyramid -in big.png -out pyramid/
//
// run.sh drives it and vips under /usr/bin/time and prints the comparison.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tessera-lab/tessera/backend/tiling"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tiling gen|tiles|pyramid [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	out := fs.String("o", "", "gen: output image (.png or .tif)")
	w := fs.Int("w", 10000, "gen: width")
	h := fs.Int("h", 10000, "gen: height")
	in := fs.String("in", "", "tiles, pyramid: input image")
	dir := fs.String("out", "", "tiles, pyramid: output folder")
	size := fs.Int("size", 512, "tiles: tile size")
	psize := fs.Int("psize", 512, "pyramid: tile size")
	prof := fs.String("cpuprofile", "", "write a CPU profile of tiles or pyramid to this file")
	fs.Parse(os.Args[2:])
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tiling:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(*out, *w, *h)
	case "tiles":
		err = run(*in, *dir, *size, 0)
	case "pyramid":
		err = run(*in, *dir, *size, *psize)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "tiling:", err)
		os.Exit(1)
	}
}

// run decodes in, writes 512 px PNG tiles and, if psize > 0, a Deep Zoom
// pyramid, and prints the time of each step and the peak RSS.
func run(in, dir string, size, psize int) error {
	t0 := time.Now()
	img, info, err := tiling.Decode(in, tiling.DefaultLimits())
	if err != nil {
		return err
	}
	tDecode := time.Since(t0)
	t1 := time.Now()
	tiles, err := tiling.WriteTiles(context.Background(), img, tiling.TileOptions{
		Size: size, Dir: filepath.Join(dir, "tiles"), Prefix: "img", Channels: info.Channels}, nil)
	if err != nil {
		return err
	}
	tTiles := time.Since(t1)
	var tPyr time.Duration
	if psize > 0 {
		t2 := time.Now()
		if _, err := tiling.WritePyramid(context.Background(), img, nil, filepath.Join(dir, "pyramid"), psize, nil); err != nil {
			return err
		}
		tPyr = time.Since(t2)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	mp := float64(info.Width) * float64(info.Height) / 1e6
	fmt.Printf("image %s %d×%d %d-bit %d ch (%.1f MP); decoded %s\n", info.Format, info.Width, info.Height, info.BitDepth, info.Channels, mp, describe(img))
	fmt.Printf("decode %.2fs (%.1f MP/s)\n", tDecode.Seconds(), mp/tDecode.Seconds())
	fmt.Printf("tiles  %.2fs (%.1f MP/s), %d tiles, %s\n", tTiles.Seconds(), mp/tTiles.Seconds(), len(tiles), du(filepath.Join(dir, "tiles")))
	if psize > 0 {
		fmt.Printf("pyramid %.2fs (%.1f MP/s), %s\n", tPyr.Seconds(), mp/tPyr.Seconds(), du(filepath.Join(dir, "pyramid")))
	}
	fmt.Printf("peak RSS %.0f MiB (getrusage)\n", float64(ru.Maxrss)/1024)
	return nil
}

func describe(img image.Image) string {
	b := img.Bounds()
	bpp := map[string]int{"*image.RGBA": 4, "*image.NRGBA": 4, "*image.Gray": 1, "*image.Gray16": 2, "*image.RGBA64": 8, "*image.NRGBA64": 8}
	t := fmt.Sprintf("%T", img)
	if n, ok := bpp[t]; ok {
		return fmt.Sprintf("%s, %.0f MiB", t, float64(b.Dx()*b.Dy()*n)/(1<<20))
	}
	return t
}

// du is the total size of the files under dir.
func du(dir string) string {
	var n, files int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
				files++
			}
		}
		return nil
	})
	return fmt.Sprintf("%d files, %.0f MiB", files, float64(n)/(1<<20))
}

// gen writes a w × h RGB image with structure at several scales and sensor
// noise, so that it compresses like a photograph or a slide.
func gen(path string, w, h int) error {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	const cell = 97
	gw, gh := w/cell+2, h/cell+2
	rng := rand.New(rand.NewPCG(7, 7))
	lattice := make([][3]float64, gw*gh)
	for i := range lattice {
		lattice[i] = [3]float64{rng.Float64(), rng.Float64(), rng.Float64()}
	}
	var wg sync.WaitGroup
	bands := runtime.NumCPU()
	for b := range bands {
		wg.Go(func() {
			noise := rand.New(rand.NewPCG(uint64(b), 1))
			for y := b * h / bands; y < (b+1)*h/bands; y++ {
				gy, fy := y/cell, float64(y%cell)/cell
				for x := range w {
					gx, fx := x/cell, float64(x%cell)/cell
					p := m.Pix[y*m.Stride+4*x:]
					for c := range 3 {
						a := lattice[gy*gw+gx][c]*(1-fx) + lattice[gy*gw+gx+1][c]*fx
						bb := lattice[(gy+1)*gw+gx][c]*(1-fx) + lattice[(gy+1)*gw+gx+1][c]*fx
						v := 40 + 170*(a*(1-fy)+bb*fy) + float64(int(noise.Uint32()%9)-4) + 10*float64((x^y)&3)/3
						p[c] = uint8(v)
					}
					p[3] = 0xff
				}
			}
		})
	}
	wg.Wait()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if strings.HasSuffix(path, ".tif") || strings.HasSuffix(path, ".tiff") {
		err = writeRGBTIFF(f, m)
	} else {
		err = png.Encode(f, m)
	}
	if err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeRGBTIFF writes m as an uncompressed RGB TIFF in one strip, the way
// ImageJ and many scanners save (x/image/tiff always adds an alpha channel).
func writeRGBTIFF(w io.Writer, m *image.RGBA) error {
	b := m.Bounds()
	width, height := b.Dx(), b.Dy()
	n := width * height * 3
	le := binary.LittleEndian
	hdr := le.AppendUint32([]byte("II*\x00"), uint32(8+n))
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(hdr)
	row := make([]byte, 3*width)
	for y := range height {
		p := m.Pix[y*m.Stride:]
		for x := range width {
			copy(row[3*x:3*x+3], p[4*x:4*x+3])
		}
		bw.Write(row)
	}
	bpsOff := uint32(8 + n + 2 + 9*12 + 4)
	entries := [][3]uint32{{256, 4, uint32(width)}, {257, 4, uint32(height)}, {258, 3, bpsOff}, {259, 3, 1},
		{262, 3, 2}, {273, 4, 8}, {277, 3, 3}, {278, 4, uint32(height)}, {279, 4, uint32(n)}}
	ifd := le.AppendUint16(nil, uint16(len(entries)))
	for _, e := range entries {
		count := uint32(1)
		if e[0] == 258 {
			count = 3
		}
		ifd = le.AppendUint16(ifd, uint16(e[0]))
		ifd = le.AppendUint16(ifd, uint16(e[1]))
		ifd = le.AppendUint32(ifd, count)
		if e[1] == 3 && count == 1 {
			ifd = le.AppendUint16(le.AppendUint16(ifd, uint16(e[2])), 0)
		} else {
			ifd = le.AppendUint32(ifd, e[2])
		}
	}
	ifd = le.AppendUint32(ifd, 0)
	ifd = le.AppendUint16(le.AppendUint16(le.AppendUint16(ifd, 8), 8), 8) // BitsPerSample 8, 8, 8
	bw.Write(ifd)
	return bw.Flush()
}
