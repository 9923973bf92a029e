package labels

import (
	"encoding/json"
	"image"
	"math"

	"github.com/tessera-lab/tessera/backend"
)

// COCOImage is one image of a COCO export with its labels.
type COCOImage struct {
	ID       int64
	FileName string
	W, H     int
	Labels   *File
}

type cocoFile struct {
	Info        cocoInfo         `json:"info"`
	Licenses    []struct{}       `json:"licenses"`
	Images      []cocoImage      `json:"images"`
	Categories  []cocoCategory   `json:"categories"`
	Annotations []cocoAnnotation `json:"annotations"`
}

type cocoInfo struct {
	Description string `json:"description"`
	Version     string `json:"version"`
}

type cocoImage struct {
	ID       int64  `json:"id"`
	FileName string `json:"file_name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

type cocoCategory struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	Supercategory string `json:"supercategory"`
}

type cocoAnnotation struct {
	ID           int64       `json:"id"`
	ImageID      int64       `json:"image_id"`
	CategoryID   int         `json:"category_id"`
	Segmentation [][]float64 `json:"segmentation"`
	Area         int         `json:"area"`
	BBox         [4]float64  `json:"bbox"`
	IsCrowd      int         `json:"iscrowd"`
}

// COCO exports labels as a COCO instance-segmentation file.
//
// Categories are the schema's classes, with the mask value as id and the
// group as supercategory. Each polygon, box, oriented ellipse and group
// whose class is in the schema becomes one annotation (iscrowd 0); points,
// composites, unknown types and classes outside the schema are left out.
//
//   - segmentation lists one flat [x1, y1, x2, y2, …] polygon per region,
//     clipped to the image: a polygon's regions, a box's corners, the
//     polygon an ellipse is drawn as, a group's components' regions.
//     Coordinates are django-labeller's, in pixels. COCO readers unite an
//     annotation's polygons, so a hole (a region XOR-ed out) is listed but
//     shows filled there;
//   - area is the label's pixel count as Rasterise draws it alone, holes
//     excluded: what a model trained on Tessera's masks sees of it;
//   - bbox [x, y, w, h] bounds the clipped segmentation.
//
// Annotations with nothing left inside the image are dropped. Image ids
// must be unique.
func COCO(images []COCOImage, sch Schema) ([]byte, error) {
	if err := sch.Validate(); err != nil {
		return nil, err
	}
	out := cocoFile{
		Info:        cocoInfo{Description: "Tessera label export", Version: "1.0"},
		Licenses:    []struct{}{},
		Images:      []cocoImage{},
		Categories:  []cocoCategory{},
		Annotations: []cocoAnnotation{},
	}
	i := 0
	for _, g := range sch.Groups {
		for _, c := range g.Classes {
			i++
			out.Categories = append(out.Categories, cocoCategory{ID: i, Name: c.Name, Supercategory: g.Name})
		}
	}
	classes := sch.classIndices()
	seen := map[int64]bool{}
	var nextID int64 = 1
	for _, img := range images {
		if seen[img.ID] {
			return nil, backend.Errorf(backend.EINVALID, "COCO export: image id %d is used twice", img.ID)
		}
		seen[img.ID] = true
		if img.W <= 0 || img.H <= 0 {
			return nil, backend.Errorf(backend.EINVALID, "COCO export: image %q has no size", img.FileName)
		}
		out.Images = append(out.Images, cocoImage{img.ID, img.FileName, img.W, img.H})
		if img.Labels == nil {
			continue
		}
		for _, l := range img.Labels.Labels {
			cat, ok := classes[l.Class]
			if !ok {
				continue
			}
			a, ok := cocoAnnotate(l, img.W, img.H)
			if !ok {
				continue
			}
			a.ID, a.ImageID, a.CategoryID = nextID, img.ID, cat
			nextID++
			out.Annotations = append(out.Annotations, a)
		}
	}
	return json.Marshal(out)
}

// cocoAnnotate builds the geometry of one label's annotation.
func cocoAnnotate(l Label, w, h int) (cocoAnnotation, bool) {
	rings := labelRings(l, 0)
	if len(rings) == 0 {
		return cocoAnnotation{}, false
	}
	var a cocoAnnotation
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, r := range clipRings(rings, 0, 0, float64(w), float64(h)) {
		flat := make([]float64, 0, 2*len(r))
		for _, p := range r {
			flat = append(flat, p.X, p.Y)
			x0, x1 = min(x0, p.X), max(x1, p.X)
			y0, y1 = min(y0, p.Y), max(y1, p.Y)
		}
		a.Segmentation = append(a.Segmentation, flat)
	}
	if len(a.Segmentation) == 0 {
		return cocoAnnotation{}, false
	}
	a.Area = labelArea(l, w, h)
	if a.Area == 0 {
		return cocoAnnotation{}, false
	}
	a.BBox = [4]float64{x0, y0, x1 - x0, y1 - y0}
	return a, true
}

// labelRings is the outline of a label as polygons, as it is drawn.
func labelRings(l Label, depth int) [][]Point {
	switch l.Type {
	case TypePolygon:
		var rs [][]Point
		for _, r := range l.Regions {
			if len(r) >= 3 {
				rs = append(rs, r)
			}
		}
		return rs
	case TypeBox:
		if b := l.Box; b != nil {
			x0, y0 := b.Centre.X-b.Size.X*0.5, b.Centre.Y-b.Size.Y*0.5
			x1, y1 := b.Centre.X+b.Size.X*0.5, b.Centre.Y+b.Size.Y*0.5
			return [][]Point{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}}
		}
	case TypeEllipse:
		if l.Ellipse != nil {
			if pts, reason := ellipsePolygon(*l.Ellipse); reason == "" && len(pts) >= 3 {
				return [][]Point{pts}
			}
		}
	case TypeGroup:
		var rs [][]Point
		if depth < maxGroupDepth {
			for _, c := range l.Components {
				rs = append(rs, labelRings(c, depth+1)...)
			}
		}
		return rs
	}
	return nil
}

// labelArea counts the pixels Rasterise draws for l alone in a w×h image.
// It draws into a buffer over the label's box only, moved by whole pixels
// so that every coordinate stays non-negative and truncates as it would in
// the whole image.
func labelArea(l Label, w, h int) int {
	x0, y0, x1, y1, ok := ringsPixelBounds(labelRings(l, 0))
	if !ok {
		return 0
	}
	const margin = 2
	ox, oy := max(x0-margin, 0), max(y0-margin, 0)
	ex, ey := min(x1+margin, w-1), min(y1+margin, h-1)
	if ex < ox || ey < oy {
		return 0
	}
	lw, lh := ex-ox+1, ey-oy+1
	r := &raster{w: lw, h: lh, out: image.NewGray(image.Rect(0, 0, lw, lh))}
	moved := translate(l, -float64(ox), -float64(oy))
	r.draw(&moved, 1, 0)
	n := 0
	for _, v := range r.out.Pix {
		if v != 0 {
			n++
		}
	}
	return n
}

func ringsPixelBounds(rings [][]Point) (x0, y0, x1, y1 int, ok bool) {
	x0, y0, x1, y1 = math.MaxInt, math.MaxInt, math.MinInt, math.MinInt
	for _, r := range rings {
		for _, p := range r {
			q := truncPt(p.X, p.Y)
			x0, x1 = min(x0, int(q.x)), max(x1, int(q.x))
			y0, y1 = min(y0, int(q.y)), max(y1, int(q.y))
		}
	}
	return x0, y0, x1, y1, x0 <= x1
}
