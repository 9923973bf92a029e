package cpu

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // tiles are PNG; JPEG costs nothing to accept
	"image/png"
	"os"
)

// planes is an image as channel planes of floats in [0, 1]:
// d[c·w·h + y·w + x]. 8-bit samples are divided by 255, 16-bit by 65535.
type planes struct {
	c, w, h int
	d       []float32
}

// isGreyModel reports whether images of model m have one channel.
func isGreyModel(m color.Model) bool {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return true
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			r, g, b, _ := c.RGBA()
			if r != g || g != b {
				return false
			}
		}
		return true
	}
	return false
}

// toPlanes converts img to channels planes (1: grey, 3: RGB). Colour turns
// grey by the Rec. 601 luma weights, grey turns colour by repetition, alpha
// is dropped (colours are taken un-premultiplied).
func toPlanes(img image.Image, channels int) planes {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	p := planes{c: channels, w: w, h: h, d: make([]float32, channels*w*h)}
	set := func(i int, r, g, bl float32) {
		if channels == 1 {
			p.d[i] = 0.299*r + 0.587*g + 0.114*bl
			return
		}
		p.d[i], p.d[w*h+i], p.d[2*w*h+i] = r, g, bl
	}
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			for x, v := range row {
				f := float32(v) / 255
				set(y*w+x, f, f, f)
			}
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+2*w]
			for x := 0; x < w; x++ {
				f := float32(uint16(row[2*x])<<8|uint16(row[2*x+1])) / 65535
				set(y*w+x, f, f, f)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				set(y*w+x, float32(row[4*x])/255, float32(row[4*x+1])/255, float32(row[4*x+2])/255)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				set(y*w+x, float32(c.R)/65535, float32(c.G)/65535, float32(c.B)/65535)
			}
		}
	}
	return p
}

// decodeFile decodes the image at path.
func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// decodeConfigFile reads the size and colour model of the image at path.
func decodeConfigFile(path string) (image.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Config{}, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// writePNG writes img to path through a temporary file, so a reader never
// sees half a file.
func writePNG(path string, img image.Image) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
