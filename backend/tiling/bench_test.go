package tiling

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
)

// BenchmarkWriteTiles tiles a 16-megapixel RGB image into 512 px PNGs on
// all cores.
func BenchmarkWriteTiles(b *testing.B) {
	img := texture(4096, 4096, 1)
	dir := b.TempDir()
	b.SetBytes(4096 * 4096 * 3)
	b.ResetTimer()
	for b.Loop() {
		if _, err := WriteTiles(context.Background(), img, TileOptions{Size: 512, Dir: dir}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*16.777216/b.Elapsed().Seconds(), "MP/s")
}

// BenchmarkWritePyramid builds the Deep Zoom pyramid of a 16-megapixel RGB
// image.
func BenchmarkWritePyramid(b *testing.B) {
	img := texture(4096, 4096, 1)
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		if _, err := WritePyramid(context.Background(), img, nil, dir, 256, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*16.777216/b.Elapsed().Seconds(), "MP/s")
}

// BenchmarkPNGEncoders compares the tile encoder with image/png on one
// 512 px tile of each kind of content; the bytes metric is the file size.
func BenchmarkPNGEncoders(b *testing.B) {
	photo := texture(512, 512, 1)
	flat := image.NewRGBA(rect(512, 512))
	for i := range flat.Pix {
		flat.Pix[i] = 0xf0
	}
	for _, c := range []struct {
		name string
		img  *image.RGBA
	}{{"photo", photo}, {"flat", flat}} {
		b.Run(c.name+"/tessera", func(b *testing.B) {
			e := newPNGEncoder()
			f, rows := tileRows(c.img, 0)
			var buf bytes.Buffer
			b.SetBytes(512 * 512 * 3)
			for b.Loop() {
				buf.Reset()
				if err := e.encode(&buf, f, rows, c.img.Rect); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
		for _, lvl := range []png.CompressionLevel{png.BestSpeed, png.DefaultCompression} {
			name := map[png.CompressionLevel]string{png.BestSpeed: "image-png-fastest", png.DefaultCompression: "image-png-default"}[lvl]
			b.Run(c.name+"/"+name, func(b *testing.B) {
				enc := png.Encoder{CompressionLevel: lvl}
				var buf bytes.Buffer
				b.SetBytes(512 * 512 * 3)
				for b.Loop() {
					buf.Reset()
					if err := enc.Encode(&buf, c.img); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(buf.Len()), "bytes")
			})
		}
	}
}
