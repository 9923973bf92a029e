package cpu

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Class is one output of the model: slot i of the logits is Classes[i];
// Index is the value in mask and prediction PNGs (0 is the background).
type Class struct {
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Colour []int  `json:"colour,omitempty"`
}

// metadata is the job's metadata.json.
type metadata struct {
	Classes []Class `json:"classes"`
	Split   struct {
		Train []string `json:"train"`
		Val   []string `json:"val"`
	} `json:"split"`
	IgnoreIndex *int   `json:"ignore_index"`
	Seed        *int64 `json:"seed"`
}

// sample is one tile, scaled for the network.
type sample struct {
	name   string
	w, h   int       // original size
	sw, sh int       // scaled size
	img    []float32 // [channels][sh·sw], normalised once stats are known
	mask   []uint8   // [sh·sw] class slots, ignoreSlot where unlabelled
	full   []uint8   // [h·w] class slots at the original size (val tiles)
}

// dataset is a job's tiles and what the model needs to know about them.
type dataset struct {
	classes     []Class
	lut         [256]uint8 // mask value → slot; badValue if not a class
	ignoreIndex int
	channels    int
	tileSize    int     // largest tile side
	scale       float64 // tile → network
	canvas      int     // training input side, a multiple of 2^depth
	mean, std   []float64
	seed        *int64
	train, val  []*sample
}

const badValue = 254 // lut entry of a mask value that is no class (slots are < 254)

// inputError is bad input in the job folder: the trainer says so and
// exits 1 instead of printing a stack of contexts.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &inputError{fmt.Sprintf(format, args...)}
}

// readMetadata reads and checks metadata.json.
func readMetadata(jobDir string) (*metadata, error) {
	data, err := os.ReadFile(filepath.Join(jobDir, "metadata.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, badInput("metadata.json is missing from %s", jobDir)
		}
		return nil, err
	}
	var md metadata
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, badInput("metadata.json: %v", err)
	}
	if len(md.Split.Train) == 0 {
		return nil, badInput("metadata.json: the train split is empty")
	}
	if len(md.Split.Val) == 0 {
		return nil, badInput("metadata.json: the val split is empty (the trainer needs validation tiles to pick the best model)")
	}
	for _, name := range append(slices.Clone(md.Split.Train), md.Split.Val...) {
		if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
			return nil, badInput("metadata.json: %q is not a tile file name", name)
		}
	}
	return &md, nil
}

// classesOf returns the model's classes, background first, then by index,
// and the mask value → slot table.
func classesOf(md *metadata) ([]Class, [256]uint8, int, error) {
	ignore := 255
	if md.IgnoreIndex != nil {
		ignore = *md.IgnoreIndex
	}
	var lut [256]uint8
	for i := range lut {
		lut[i] = badValue
	}
	if ignore == 0 {
		return nil, lut, 0, badInput("metadata.json: ignore_index is 0, the background's mask value; use 255")
	}
	if ignore > 0 && ignore < 256 {
		lut[ignore] = ignoreSlot
	}
	classes := []Class{{Index: 0, Name: "background"}}
	sorted := slices.Clone(md.Classes)
	slices.SortFunc(sorted, func(a, b Class) int { return a.Index - b.Index })
	seen := map[string]bool{}
	for _, c := range sorted {
		if c.Index == 0 && c.Name != "" {
			classes[0].Name = c.Name
		}
	}
	seen[classes[0].Name] = true
	for _, c := range sorted {
		switch {
		case c.Index == 0:
			continue
		case c.Index < 0 || c.Index > 253 || c.Index == ignore:
			return nil, lut, 0, badInput("metadata.json: class %q has index %d; class indices are 1 to 253 and not the ignore index %d", c.Name, c.Index, ignore)
		case lut[c.Index] != badValue:
			return nil, lut, 0, badInput("metadata.json: two classes have index %d", c.Index)
		case strings.TrimSpace(c.Name) == "":
			return nil, lut, 0, badInput("metadata.json: class %d has no name", c.Index)
		case c.Name == classes[0].Name:
			return nil, lut, 0, badInput("metadata.json: class %d is called %q, the name of the background (mask value 0)", c.Index, c.Name)
		case seen[c.Name]:
			return nil, lut, 0, badInput("metadata.json: two classes are called %q", c.Name)
		}
		seen[c.Name] = true
		lut[c.Index] = uint8(len(classes))
		classes = append(classes, c)
	}
	lut[0] = 0
	return classes, lut, ignore, nil
}

// tilePath finds a tile's file in dir ("images" or "masks").
func tilePath(jobDir, dir, name string) string {
	p := filepath.Join(jobDir, dir, name)
	if _, err := os.Stat(p); err != nil && filepath.Ext(name) == "" {
		if _, err2 := os.Stat(p + ".png"); err2 == nil {
			return p + ".png"
		}
	}
	return p
}

// loadDataset reads the job's tiles, scales them so the largest side of
// the largest tile is at most cfg.InputSize, and normalises each channel by
// the training tiles' mean and standard deviation.
func loadDataset(p *pool, jobDir string, cfg Config, multiple int) (*dataset, error) {
	md, err := readMetadata(jobDir)
	if err != nil {
		return nil, err
	}
	ds := &dataset{seed: md.Seed}
	if ds.classes, ds.lut, ds.ignoreIndex, err = classesOf(md); err != nil {
		return nil, err
	}
	names := append(slices.Clone(md.Split.Train), md.Split.Val...)
	nTrain := len(md.Split.Train)

	// Pass 1: sizes and colour models, from the headers.
	type head struct {
		w, h int
		grey bool
	}
	heads := make([]head, len(names))
	errs := make([]error, len(names))
	p.run(len(names), func(_, i int) {
		ip := tilePath(jobDir, "images", names[i])
		ic, err := decodeConfigFile(ip)
		if err != nil {
			errs[i] = fileError("images", names[i], err)
			return
		}
		mc, err := decodeConfigFile(tilePath(jobDir, "masks", names[i]))
		if err != nil {
			errs[i] = fileError("masks", names[i], err)
			return
		}
		if ic.Width != mc.Width || ic.Height != mc.Height {
			errs[i] = badInput("masks/%s is %d×%d but images/%s is %d×%d", names[i], mc.Width, mc.Height, names[i], ic.Width, ic.Height)
			return
		}
		if ic.Width == 0 || ic.Height == 0 {
			errs[i] = badInput("images/%s is empty (%d×%d)", names[i], ic.Width, ic.Height)
			return
		}
		heads[i] = head{ic.Width, ic.Height, isGreyModel(ic.ColorModel)}
	})
	if err := cmp.Or(p.ctx.Err(), firstErrors(errs)); err != nil {
		return nil, err
	}
	ds.channels = 1
	for _, h := range heads {
		ds.tileSize = max(ds.tileSize, h.w, h.h)
		if !h.grey {
			ds.channels = 3
		}
	}
	ds.scale = math.Min(1, float64(cfg.InputSize)/float64(ds.tileSize))
	ds.canvas = roundUp(scaled(ds.tileSize, ds.scale), multiple)

	// Pass 2: decode, check the masks, scale.
	samples := make([]*sample, len(names))
	p.run(len(names), func(_, i int) {
		samples[i], errs[i] = ds.loadSample(jobDir, names[i], i >= nTrain)
	})
	if err := cmp.Or(p.ctx.Err(), firstErrors(errs)); err != nil { // a stopped pool leaves samples out
		return nil, err
	}
	ds.train, ds.val = samples[:nTrain], samples[nTrain:]

	ds.mean, ds.std = channelStats(ds.train, ds.channels)
	for _, s := range samples {
		normalise(s.img, s.sw*s.sh, ds.mean, ds.std)
	}
	return ds, nil
}

// firstErrors joins the first few errors of errs (nil if there are none)
// and says how many more there were.
func firstErrors(errs []error) error {
	var list []error
	for _, err := range errs {
		if err != nil {
			list = append(list, err)
		}
	}
	const show = 5
	if len(list) > show {
		list = append(list[:show], badInput("… and %d more tiles with problems", len(list)-show))
	}
	return errors.Join(list...)
}

// fileError words a failure to read a tile's file.
func fileError(dir, name string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return badInput("%s/%s is missing", dir, name)
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	return badInput("%s/%s: %v", dir, name, err)
}

func (ds *dataset) loadSample(jobDir, name string, val bool) (*sample, error) {
	img, err := decodeFile(tilePath(jobDir, "images", name))
	if err != nil {
		return nil, fileError("images", name, err)
	}
	mimg, err := decodeFile(tilePath(jobDir, "masks", name))
	if err != nil {
		return nil, fileError("masks", name, err)
	}
	slots, err := ds.maskSlots(mimg, name)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	s := &sample{name: name, w: b.Dx(), h: b.Dy()}
	s.sw, s.sh = scaled(s.w, ds.scale), scaled(s.h, ds.scale)
	s.img = scalePlanes(toPlanes(img, ds.channels), s.sw, s.sh)
	s.mask = resampleLabels(slots, s.w, s.h, s.sw, s.sh)
	if val {
		s.full = slots
	}
	return s, nil
}

// maskSlots checks an 8-bit class-index mask and maps it to class slots.
func (ds *dataset) maskSlots(m image.Image, name string) ([]uint8, error) {
	var pix []uint8
	var stride int
	switch g := m.(type) {
	case *image.Gray:
		pix, stride = g.Pix, g.Stride
	case *image.Paletted: // palette index = class index
		pix, stride = g.Pix, g.Stride
	default:
		return nil, badInput("masks/%s is not an 8-bit class-index PNG (greyscale or palette; got %T)", name, m)
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		for x, v := range pix[y*stride : y*stride+w] {
			s := ds.lut[v]
			if s == badValue {
				return nil, badInput("masks/%s: pixel (%d, %d) is %d, which is no class in metadata.json (%s) nor the ignore index %d",
					name, x, y, v, ds.classList(), ds.ignoreIndex)
			}
			out[y*w+x] = s
		}
	}
	return out, nil
}

func (ds *dataset) classList() string {
	var parts []string
	for _, c := range ds.classes {
		parts = append(parts, fmt.Sprintf("%d %s", c.Index, c.Name))
	}
	return strings.Join(parts, ", ")
}

// scaled is a side of n pixels after scaling by s (at least 1).
func scaled(n int, s float64) int { return max(1, int(math.Round(float64(n)*s))) }

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// scalePlanes resizes every plane of p to w×h: [c][h·w].
func scalePlanes(p planes, w, h int) []float32 {
	out := make([]float32, 0, p.c*w*h)
	for c := 0; c < p.c; c++ {
		out = append(out, resamplePlane(p.d[c*p.w*p.h:(c+1)*p.w*p.h], p.w, p.h, w, h)...)
	}
	return out
}

// channelStats is each channel's mean and standard deviation over the
// training tiles (at network scale). A flat channel gets std 1.
func channelStats(train []*sample, channels int) (mean, std []float64) {
	mean, std = make([]float64, channels), make([]float64, channels)
	for c := 0; c < channels; c++ {
		var s, ss float64
		var n int
		for _, t := range train {
			px := t.sw * t.sh
			for _, v := range t.img[c*px : (c+1)*px] {
				s += float64(v)
				ss += float64(v) * float64(v)
			}
			n += px
		}
		m := s / float64(n)
		v := ss/float64(n) - m*m
		mean[c], std[c] = m, math.Sqrt(math.Max(v, 0))
		if std[c] < 1e-6 {
			std[c] = 1
		}
	}
	return mean, std
}

// normalise maps v to (v − mean)/std per channel in place.
func normalise(img []float32, px int, mean, std []float64) {
	for c := range mean {
		m, inv := float32(mean[c]), float32(1/std[c])
		plane := img[c*px : (c+1)*px]
		for i, v := range plane {
			plane[i] = (v - m) * inv
		}
	}
}
