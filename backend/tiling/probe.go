package tiling

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/tessera-lab/tessera/backend"
)

// Info describes an image from its header alone.
type Info struct {
	Format        string // jpeg, png, tiff, bmp or webp
	Width, Height int    // after EXIF orientation
	BitDepth      int    // bits per channel as decoded: 8 or 16
	Channels      int    // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
	Orientation   int    // EXIF orientation 1-8, 1 when there is none
}

// format is one decoder Tessera accepts. The table below is the whole list:
// no format is found through image.RegisterFormat, and the content decides,
// never the file name.
type format struct {
	name  string
	sniff func(head []byte) bool
	// header reads what DecodeConfig does not say (bit depth, channels,
	// orientation) and refuses headers whose pixel data cannot fit in the
	// file, so that a lying file fails before the decoder allocates.
	header func(r io.ReaderAt, size int64, cfg image.Config) (header, error)
	config func(r io.Reader) (image.Config, error)
	decode func(r io.Reader) (image.Image, error)
	// readerAt: the decoder wants random access (TIFF), not a buffered stream.
	readerAt bool
}

// progressiveCost is how many times a baseline JPEG's memory decoding a
// progressive one takes (coefficients of 2 bytes, for every component);
// the pixel limit is divided by it for those.
const progressiveCost = 4

type header struct {
	bitDepth, channels, orientation int
	// progressive: a progressive JPEG, whose decoder holds every
	// coefficient (2 bytes each) besides the image: several times a
	// baseline JPEG's memory.
	progressive bool
}

// formats is the table of decoders, in sniffing order. Tests add to it.
var formats = []format{
	{name: "jpeg", sniff: hasPrefix("\xff\xd8\xff"), header: jpegHeader, config: jpeg.DecodeConfig, decode: jpeg.Decode},
	{name: "png", sniff: hasPrefix("\x89PNG\r\n\x1a\n"), header: pngHeader, config: png.DecodeConfig, decode: png.Decode},
	{name: "tiff", sniff: isTIFF, header: tiffHeader, config: tiff.DecodeConfig, decode: decodeTIFF, readerAt: true},
	{name: "bmp", sniff: hasPrefix("BM"), header: bmpHeader, config: bmp.DecodeConfig, decode: bmp.Decode},
	{name: "webp", sniff: isWebP, header: webpHeader, config: webp.DecodeConfig, decode: webp.Decode},
}

func hasPrefix(p string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(p)) }
}

func isTIFF(b []byte) bool {
	return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
}

func isWebP(b []byte) bool {
	return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
}

// sniffLen is how much of the head sniffing and the error messages look at.
const sniffLen = 64

// ProbeFile is Probe on a file: it reads the header only.
func ProbeFile(path string, lim Limits) (Info, error) {
	f, size, err := open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	info, _, err := probe(filepath.Base(path), f, size, lim)
	return info, err
}

// Probe reads the header of the image in r (size bytes): its format from the
// content, its size from the decoder's DecodeConfig and its orientation from
// EXIF. It checks lim and that the file is large enough to hold the pixels
// its header claims, before anything the size of the image is allocated.
func Probe(r io.ReaderAt, size int64, lim Limits) (Info, error) {
	info, _, err := probe("image", r, size, lim)
	return info, err
}

// open opens path for reading and returns its size.
func open(path string) (*os.File, int64, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("stat %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, backend.Errorf(backend.EINVALID, "%s: not a regular file", name)
	}
	return f, st.Size(), nil
}

func probe(name string, r io.ReaderAt, size int64, lim Limits) (info Info, f *format, err error) {
	if err := lim.checkSize(name, size); err != nil {
		return Info{}, nil, err
	}
	if size == 0 {
		return Info{}, nil, backend.Errorf(backend.EINVALID, "%s: not an image: the file is empty", name)
	}
	head := make([]byte, min(size, sniffLen))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return Info{}, nil, fmt.Errorf("read %s: %w", name, err)
	}
	for i := range formats {
		if formats[i].sniff(head) {
			f = &formats[i]
			break
		}
	}
	if f == nil {
		return Info{}, nil, backend.Errorf(backend.EINVALID, "%s: %s", name, describeUnknown(head))
	}
	defer func() {
		if p := recover(); p != nil {
			err = backend.Errorf(backend.EINVALID, "%s: corrupt %s header (the decoder failed: %v)", name, f.name, p)
		}
	}()
	cfg, err := f.config(f.reader(r, size, 16<<10))
	if err != nil {
		return Info{}, nil, corrupt(name, f.name, err)
	}
	h, err := f.header(r, size, cfg)
	if err != nil {
		return Info{}, nil, backend.Errorf(backend.EINVALID, "%s: %v", name, err)
	}
	if p, ok := cfg.ColorModel.(color.Palette); ok && len(p) > 0 {
		h.channels = paletteChannels(p)
	}
	info = Info{Format: f.name, Width: cfg.Width, Height: cfg.Height,
		BitDepth: h.bitDepth, Channels: h.channels, Orientation: h.orientation}
	if info.Orientation >= 5 {
		info.Width, info.Height = info.Height, info.Width
	}
	if err := lim.checkDims(name, info.Width, info.Height); err != nil {
		return Info{}, nil, err
	}
	if px := int64(info.Width) * int64(info.Height); h.progressive && lim.MaxPixels > 0 && px > lim.MaxPixels/progressiveCost {
		return Info{}, nil, backend.Errorf(backend.ETOOLARGE, "%s: a progressive JPEG of %s is over the limit of %s for progressive JPEGs "+
			"(decoding one takes %d times the memory of a baseline JPEG): save it as a baseline JPEG, PNG or TIFF",
			name, humanPixels(px), humanPixels(lim.MaxPixels/progressiveCost), progressiveCost)
	}
	return info, f, nil
}

// paletteChannels is 1 or 2 for a palette of greys (without or with
// transparency), 3 or 4 for colours.
func paletteChannels(p color.Palette) int {
	grey, opaque := true, true
	for _, c := range p {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		grey = grey && n.R == n.G && n.G == n.B
		opaque = opaque && n.A == 0xff
	}
	switch {
	case grey && opaque:
		return 1
	case grey:
		return 2
	case opaque:
		return 3
	}
	return 4
}

// reader gives the decoder the kind of reader it reads best: random
// access, or a buffered stream with a buffer of bufSize.
func (f *format) reader(r io.ReaderAt, size int64, bufSize int) io.Reader {
	sr := io.NewSectionReader(r, 0, size)
	if f.readerAt {
		return sr
	}
	return bufio.NewReaderSize(sr, bufSize)
}

// corrupt turns a decoder's error into a message for the person who
// imported the file.
func corrupt(name, format string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return backend.Errorf(backend.EINVALID, "%s: truncated %s file (the data ends early)", name, format)
	}
	return backend.Errorf(backend.EINVALID, "%s: corrupt or unsupported %s file (%v)", name, format, err)
}

// describeUnknown says what a file that is none of our formats looks like.
func describeUnknown(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "GIF images are not supported: convert it to PNG"
	case len(head) >= 12 && string(head[4:8]) == "ftyp" &&
		bytes.Contains([]byte("heic heix hevc mif1 msf1 avif avis"), head[8:12]):
		return "HEIC/AVIF images are not supported: export it as JPEG or PNG"
	case bytes.HasPrefix(head, []byte("\x00\x00\x00\x0cjP  ")), bytes.HasPrefix(head, []byte("\xff\x4f\xff\x51")):
		return "JPEG 2000 images are not supported: convert it to TIFF or PNG"
	case bytes.HasPrefix(head, []byte("II+\x00")), bytes.HasPrefix(head, []byte("MM\x00+")):
		return "BigTIFF files are not supported: save it as a classic TIFF (under 4 GiB) or PNG"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "not an image: the file is a PDF document"
	case isText(head):
		return fmt.Sprintf("not an image: the file holds text (%q…)", truncateText(head, 24))
	}
	return fmt.Sprintf("not an image: unknown content (starts with % x)", head[:min(len(head), 8)])
}

func isText(b []byte) bool {
	for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1] // the sniffed head may cut a rune in two
	}
	if !utf8.Valid(b) || len(b) == 0 {
		return false
	}
	for _, r := range string(b) {
		if r < ' ' && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

func truncateText(b []byte, n int) string {
	s := []rune(string(b))
	return string(s[:min(len(s), n)])
}
