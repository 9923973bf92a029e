package labels

import (
	"fmt"
	"image"
	"math"
	"slices"
)

// Problem is a label Rasterise left out of the mask, and why. It names the
// label, not the file: callers add the path.
type Problem struct {
	Label    int // index in File.Labels
	ObjectID string
	Type     string
	Class    string
	Reason   string
}

func (p Problem) String() string {
	id := p.ObjectID
	if id == "" {
		id = "(no id)"
	}
	return fmt.Sprintf("label %d (%s %s, class %q): %s", p.Label, p.Type, id, p.Class, p.Reason)
}

// Reasons a label is left out.
const (
	ReasonUnknownClass = "class is not in the schema"
	ReasonUnknownType  = "label type is not drawn"
	ReasonTooSmall     = "ellipse is too small to draw"
	ReasonTooLarge     = "ellipse is too large to draw"
	// ReasonTooManyClasses: the class is past the 255 a mask holds (a
	// schema that fails Validate).
	ReasonTooManyClasses = "class index is over 255"
)

// Rasterise draws the labels of f into a w×h class-index mask by the rules
// of django-labeller's render_label_classes (with Pillow 9.4):
//
//   - 0 is background; the classes of sch are numbered from 1 in schema
//     order (Schema.Classes);
//   - labels are drawn in file order, a later label over an earlier one;
//   - the regions of one polygon are combined by XOR, so a region inside
//     another is a hole; a region of fewer than 3 vertices is skipped;
//   - each region, box and ellipse is drawn as Pillow's
//     ImageDraw.polygon/rectangle(fill=1, outline=1) draws it: vertices
//     truncated to whole pixels, boundary pixels included by Pillow's
//     scanline rule (polyfill.go). Pillow 9.4 draws no separate outline
//     when outline equals fill, so neither does Rasterise (older Pillow
//     releases also drew a Bresenham outline: a few percent more pixels
//     along polygon edges);
//   - an oriented ellipse is the polygon of round(2π·max radius) points
//     django-labeller makes of it; a point label is its one pixel; a group
//     draws its components with the group's class; a composite draws
//     nothing.
//
// A label whose class is not in the schema, or whose type is unknown, is
// left out and reported as a Problem.
func Rasterise(f *File, sch Schema, w, h int) (*image.Gray, []Problem) {
	w, h = max(w, 0), max(h, 0)
	r := &raster{w: w, h: h, out: image.NewGray(image.Rect(0, 0, w, h))}
	if f == nil {
		return r.out, nil
	}
	classes := sch.classIndices()
	var problems []Problem
	for i := range f.Labels {
		l := &f.Labels[i]
		problem := func(reason string) {
			problems = append(problems, Problem{Label: i, ObjectID: l.ObjectID, Type: l.Type, Class: l.Class, Reason: reason})
		}
		idx, ok := classes[l.Class]
		switch {
		case !ok:
			problem(ReasonUnknownClass)
			continue
		case idx > MaxClasses:
			problem(ReasonTooManyClasses)
			continue
		}
		if reason := r.draw(l, uint8(idx), 0); reason != "" {
			problem(reason)
		}
	}
	return r.out, problems
}

// raster draws labels into out, keeping its scratch space between labels.
type raster struct {
	w, h  int
	out   *image.Gray
	fill  filler
	pts   []ipt
	spans spanList
	acc   []byte // XOR accumulator of a multi-region polygon
}

// draw paints one label with value v and returns why it drew nothing, or "".
func (r *raster) draw(l *Label, v uint8, depth int) string {
	switch l.Type {
	case TypePolygon:
		r.polygon(l.Regions, v)
	case TypeBox:
		if l.Box != nil {
			r.box(*l.Box, v)
		}
	case TypeEllipse:
		if l.Ellipse != nil {
			return r.ellipse(*l.Ellipse, v)
		}
	case TypePoint:
		if l.Point != nil {
			// ImageDraw.point: the pixel at the truncated coordinates.
			p := truncPt(l.Point.X, l.Point.Y)
			if x, y := int(p.x), int(p.y); x >= 0 && x < r.w && y >= 0 && y < r.h {
				r.out.Pix[y*r.out.Stride+x] = v
			}
		}
	case TypeGroup:
		// A group's mask is the union of its components' masks, painted
		// with one value, so painting each component in turn is the same.
		if depth < maxGroupDepth {
			for i := range l.Components {
				if l.Components[i].Type != TypeComposite {
					r.draw(&l.Components[i], v, depth+1)
				}
			}
		}
	case TypeComposite:
	default:
		return ReasonUnknownType
	}
	return ""
}

// paint is a spanSink that sets pixels of out to one value.
type paint struct {
	out *image.Gray
	v   uint8
}

func (p paint) span(y, x0, x1 int) {
	row := p.out.Pix[y*p.out.Stride:]
	for x := x0; x <= x1; x++ {
		row[x] = p.v
	}
}

func (r *raster) ring(region []Point) []ipt {
	r.pts = r.pts[:0]
	for _, p := range region {
		r.pts = append(r.pts, truncPt(p.X, p.Y))
	}
	return r.pts
}

func (r *raster) polygon(regions [][]Point, v uint8) {
	if len(regions) == 1 {
		if len(regions[0]) >= 3 {
			r.fill.fill(r.ring(regions[0]), r.w, r.h, paint{r.out, v})
		}
		return
	}
	// Several regions: each region's pixels (its spans, merged where they
	// overlap) toggle an accumulator over the label's box, which is then
	// painted.
	bx0, by0, bx1, by1, ok := r.regionsBox(regions)
	if !ok {
		return
	}
	bw, bh := bx1-bx0+1, by1-by0+1
	if cap(r.acc) < bw*bh {
		r.acc = make([]byte, bw*bh)
	}
	acc := r.acc[:bw*bh]
	clear(acc)
	for _, region := range regions {
		if len(region) < 3 {
			continue
		}
		r.spans.reset()
		r.fill.fill(r.ring(region), r.w, r.h, &r.spans)
		for _, s := range r.spans.merged() {
			if s.y < by0 || s.y > by1 {
				continue
			}
			row := acc[(s.y-by0)*bw:]
			for x := max(s.x0, bx0); x <= min(s.x1, bx1); x++ {
				row[x-bx0] ^= 1
			}
		}
	}
	for y := by0; y <= by1; y++ {
		out := r.out.Pix[y*r.out.Stride+bx0:]
		for i, a := range acc[(y-by0)*bw : (y-by0+1)*bw] {
			if a != 0 {
				out[i] = v
			}
		}
	}
}

// regionsBox bounds what the regions can draw, clipped to the image: their
// vertices' box on the pixel grid with a margin for Pillow's corner rule.
func (r *raster) regionsBox(regions [][]Point) (x0, y0, x1, y1 int, ok bool) {
	const margin = 2
	x0, y0, x1, y1 = math.MaxInt, math.MaxInt, math.MinInt, math.MinInt
	for _, region := range regions {
		if len(region) < 3 {
			continue
		}
		for _, p := range region {
			q := truncPt(p.X, p.Y)
			x0, x1 = min(x0, int(q.x)), max(x1, int(q.x))
			y0, y1 = min(y0, int(q.y)), max(y1, int(q.y))
		}
	}
	x0, y0 = max(x0-margin, 0), max(y0-margin, 0)
	x1, y1 = min(x1+margin, r.w-1), min(y1+margin, r.h-1)
	return x0, y0, x1, y1, x0 <= x1 && y0 <= y1
}

// box draws like Pillow's ImageDraw.rectangle(fill=1): corners truncated
// to whole pixels, both edges included.
func (r *raster) box(b Box, v uint8) {
	lo := truncPt(b.Centre.X-b.Size.X*0.5, b.Centre.Y-b.Size.Y*0.5)
	hi := truncPt(b.Centre.X+b.Size.X*0.5, b.Centre.Y+b.Size.Y*0.5)
	y0, y1 := int(min(lo.y, hi.y)), int(max(lo.y, hi.y))
	if y1 < 0 || y0 >= r.h {
		return
	}
	y0, y1 = max(y0, 0), min(y1, r.h-1)
	for y := y0; y <= y1; y++ {
		hline(paint{r.out, v}, r.w, r.h, int(lo.x), y, int(hi.x))
	}
}

// ellipse draws the polygon django-labeller makes of an oriented ellipse:
// round(2π·max(r1, r2)) points (rounding half to even, as Python does)
// evenly spaced in angle. It returns why it drew nothing: too few points
// for Pillow (django-labeller fails on those), or more than
// maxEllipsePoints.
func (r *raster) ellipse(e Ellipse, v uint8) string {
	pts, reason := ellipsePolygon(e)
	if reason != "" {
		return reason
	}
	r.pts = r.pts[:0]
	for _, p := range pts {
		r.pts = append(r.pts, truncPt(p.X, p.Y))
	}
	r.fill.fill(r.pts, r.w, r.h, paint{r.out, v})
	return ""
}

// maxEllipsePoints bounds the polygon of an ellipse: radii up to about
// 20,000 pixels.
const maxEllipsePoints = 1 << 17

func ellipsePolygon(e Ellipse) ([]Point, string) {
	nf := math.RoundToEven(2 * math.Pi * max(e.Radius1, e.Radius2))
	if nf > maxEllipsePoints {
		return nil, ReasonTooLarge
	}
	if !(nf >= 2) { // also for NaN
		return nil, ReasonTooSmall
	}
	n := int(nf)
	step := 2 * math.Pi / float64(n)
	co, so := math.Cos(e.Orientation), math.Sin(e.Orientation)
	pts := make([]Point, n)
	for i := range pts {
		t := float64(i) * step
		ct, st := math.Cos(t), math.Sin(t)
		// The same operations in the same order as django-labeller's
		// NumPy expression; the conversions stop fused multiply-adds.
		x := float64(e.Centre.X+float64(float64(e.Radius1*ct)*co)) - float64(float64(e.Radius2*st)*so)
		y := float64(e.Centre.Y+float64(float64(e.Radius2*st)*co)) + float64(float64(e.Radius1*ct)*so)
		pts[i] = Point{x, y}
	}
	return pts, ""
}

// span is a run of pixels x0..x1 on row y.
type span struct{ y, x0, x1 int }

// spanList collects the runs of one fill.
type spanList struct{ s []span }

func (l *spanList) reset()             { l.s = l.s[:0] }
func (l *spanList) span(y, x0, x1 int) { l.s = append(l.s, span{y, x0, x1}) }
func cmpSpan(a, b span) int            { return cmpInts(a.y, b.y, a.x0, b.x0) }
func cmpInts(a0, b0, a1, b1 int) int {
	if a0 != b0 {
		return a0 - b0
	}
	return a1 - b1
}

// merged sorts the runs and merges those that overlap, so that every pixel
// of the fill is in exactly one run.
func (l *spanList) merged() []span {
	slices.SortFunc(l.s, cmpSpan)
	out := l.s[:0]
	for _, s := range l.s {
		if n := len(out); n > 0 && out[n-1].y == s.y && s.x0 <= out[n-1].x1 {
			out[n-1].x1 = max(out[n-1].x1, s.x1)
			continue
		}
		out = append(out, s)
	}
	l.s = out
	return out
}
