package labels

import (
	"math"
	"slices"
)

// This file fills polygons pixel for pixel the way Pillow 9.4's
// ImageDraw.polygon(xy, fill=1, outline=1) does, because django-labeller's
// render_label_classes draws with Pillow and our masks must agree with it.
// With outline equal to fill, Pillow 9.4 draws the fill only; its fill is a
// scanline fill that already covers the boundary pixels: vertices truncated
// to whole pixels, horizontal edges drawn as lines, each scanline filled
// from round-half-up of its left crossing to round-half-down of its right
// one, and a fix-up that joins corners. The arithmetic is float32 like
// Pillow's C code so that ties round the same way.

// ipt is a vertex on the pixel grid.
type ipt struct{ x, y int32 }

// truncPt converts a vertex the way Pillow's C layer does: a C (int) cast,
// truncating toward zero, clamped so that absurd coordinates stay finite.
func truncPt(x, y float64) ipt { return ipt{truncCoord(x), truncCoord(y)} }

func truncCoord(v float64) int32 {
	const lim = 1 << 28 // far outside any image; keeps the arithmetic in range
	switch {
	case v != v: // NaN
		return -lim
	case v > lim:
		return lim
	case v < -lim:
		return -lim
	}
	return int32(v)
}

// edge is one polygon edge for the scanline fill.
type edge struct {
	x0, y0     int32
	xmin, xmax int32
	ymin, ymax int32
	dx         float32 // x step per scanline; 0 for horizontal edges
}

func makeEdge(x0, y0, x1, y1 int32) edge {
	e := edge{x0: x0, y0: y0, xmin: min(x0, x1), xmax: max(x0, x1), ymin: min(y0, y1), ymax: max(y0, y1)}
	if y0 != y1 {
		e.dx = float32(x1-x0) / float32(y1-y0)
	}
	return e
}

// at is the edge's x on scanline y, in float32 as Pillow computes it (the
// explicit conversion keeps the compiler from fusing the multiply-add).
func (e *edge) at(y int32) float32 {
	return float32(float32(y-e.y0)*e.dx) + float32(e.x0)
}

// spanSink receives the horizontal runs a fill draws, already clipped to
// the image: pixels x0..x1 inclusive on row y.
type spanSink interface{ span(y, x0, x1 int) }

// filler holds the scratch space of the polygon fill, reused across calls.
type filler struct {
	edges  []edge
	table  []edge    // the non-horizontal edges, in edge order
	byYmin []int64   // ymin<<32 | table position, sorted, for activation
	active []int32   // table positions crossing the current row, ascending
	xx     []float32 // a row's crossings
}

// fill draws the polygon pts (already on the pixel grid) into an image of
// w×h pixels, sending each run to out.
func (f *filler) fill(pts []ipt, w, h int, out spanSink) {
	n := len(pts)
	if n == 0 {
		return
	}
	f.edges = f.edges[:0]
	i := 0
	for ; i < n-1; i++ {
		p0, p1 := pts[i], pts[i+1]
		if p0.y == p1.y && i != 0 && p0.y == pts[i-1].y && len(f.edges) > 0 {
			// A horizontal edge straight after another one going the same
			// way extends it instead of starting a new edge.
			last := &f.edges[len(f.edges)-1]
			prevX := pts[i-1].x
			if p1.x > p0.x && p0.x > prevX {
				last.xmax = p1.x
				continue
			} else if p1.x < p0.x && p0.x < prevX {
				last.xmin = p1.x
				continue
			}
		}
		f.edges = append(f.edges, makeEdge(p0.x, p0.y, p1.x, p1.y))
	}
	if pts[i] != pts[0] {
		f.edges = append(f.edges, makeEdge(pts[i].x, pts[i].y, pts[0].x, pts[0].y))
	}
	f.scan(w, h, out)
}

// hline draws pixels x0..x1 of row y, in either order, clipped.
func hline(out spanSink, w, h int, x0, y, x1 int) {
	if y < 0 || y >= h {
		return
	}
	if x0 > x1 {
		x0, x1 = x1, x0
	}
	if x0 >= w || x1 < 0 {
		return
	}
	x0, x1 = max(x0, 0), min(x1, w-1)
	out.span(y, x0, x1)
}

func (f *filler) scan(w, h int, out spanSink) {
	if len(f.edges) == 0 {
		return
	}
	ymin, ymax := int32(h-1), int32(0)
	f.table = f.table[:0]
	for k := range f.edges {
		e := &f.edges[k]
		ymin = min(ymin, e.ymin)
		ymax = max(ymax, e.ymax)
		if e.ymin == e.ymax {
			hline(out, w, h, int(e.xmin), int(e.ymin), int(e.xmax))
			continue
		}
		f.table = append(f.table, *e)
	}
	ymin = max(ymin, 0)
	ymax = min(ymax, int32(h))
	nt := len(f.table)
	if cap(f.xx) < 2*nt {
		f.xx = make([]float32, 2*nt)
	}
	xx := f.xx[:2*nt]

	// Rows past the image draw nothing, so the scan stops at its last row;
	// ymax keeps its clamped value because the rules below compare with it.
	last := min(ymax, int32(h-1))
	// Edges in order of their first row (ties in table order), as keys
	// ymin<<32 | table position.
	f.byYmin = f.byYmin[:0]
	for t := range f.table {
		f.byYmin = append(f.byYmin, int64(f.table[t].ymin)<<32|int64(t))
	}
	slices.Sort(f.byYmin)
	f.active = f.active[:0]
	next := 0
	for y := ymin; y <= last; y++ {
		// Activate the edges starting by this row, keeping the active list
		// in table order, and drop those that ended.
		for next < nt && int32(f.byYmin[next]>>32) <= y {
			f.active = insertSorted(f.active, int32(f.byYmin[next]&0xffffffff))
			next++
		}
		// Drop the edges that ended while walking the rest; joinCorner
		// looks back over the part already walked, f.active[:kept].
		j, kept := 0, 0
		for _, t := range f.active {
			cur := &f.table[t]
			if cur.ymax < y {
				continue
			}
			f.active[kept] = t
			kept++
			xv := cur.at(y)
			xx[j] = xv
			j++
			if y == cur.ymax && y < ymax {
				// An edge ending here counts twice, so that the row of a
				// vertex where two edges meet is drawn consistently.
				xx[j] = xv
				j++
			} else if cur.dx != 0 && isWhole(xv) {
				f.joinCorner(f.active[:kept-1], y, ymax, cur, xv, xx)
			}
		}
		f.active = f.active[:kept]
		row := xx[:j]
		sortFloats(row)
		for k := 1; k < j; k += 2 {
			hline(out, w, h, roundHalfUp(row[k-1]), int(y), roundHalfDown(row[k]))
		}
	}
}

// insertSorted inserts v into the ascending list s.
func insertSorted(s []int32, v int32) []int32 {
	i := len(s)
	s = append(s, v)
	for ; i > 0 && s[i-1] > v; i-- {
		s[i] = s[i-1]
	}
	s[i] = v
	return s
}

// sortFloats sorts a scanline's few crossings (never NaN).
func sortFloats(s []float32) {
	if len(s) > 24 {
		slices.Sort(s)
		return
	}
	for i := 1; i < len(s); i++ {
		v := s[i]
		k := i
		for ; k > 0 && s[k-1] > v; k-- {
			s[k] = s[k-1]
		}
		s[k] = v
	}
}

// isWhole is C's roundf(v) == v for the crossings of edges on the grid.
func isWhole(v float32) bool {
	if v >= 1<<24 || v <= -(1<<24) {
		return true // every float32 this large is a whole number
	}
	return float32(int32(v)) == v
}

// joinCorner is Pillow's fix for corners whose two edges slope the same way
// and meet on a pixel: it moves the crossing of the earlier edge out to
// where the edges are on the next row (or, on the last row, the previous
// one), so the corner is not left with a gap. Like Pillow it indexes the
// crossings with the other edge's position in the edge table.
func (f *filler) joinCorner(before []int32, y, ymax int32, cur *edge, xv float32, xx []float32) {
	for _, k := range before {
		other := &f.table[k]
		if (cur.dx > 0 && other.dx <= 0) || (cur.dx < 0 && other.dx >= 0) {
			continue
		}
		if !((y == cur.ymin && y == other.ymin) || (y == cur.ymax && y == other.ymax)) || xv != other.at(y) {
			continue
		}
		off := int32(1)
		if y == ymax {
			off = -1
		}
		a, b := cur.at(y+off), other.at(y+off)
		switch {
		case y == cur.ymax && cur.dx > 0:
			xx[k] = max(a, b) + 1
		case y == cur.ymax:
			xx[k] = min(a, b) - 1
		case cur.dx > 0:
			xx[k] = min(a, b)
		default:
			xx[k] = max(a, b) + 1
		}
		return
	}
}

// roundHalfUp and roundHalfDown are Pillow's ROUND_UP and ROUND_DOWN:
// halves go away from zero and toward zero respectively, after adding or
// subtracting 0.5 in float32.
func roundHalfUp(v float32) int {
	if v >= 0 {
		return int(math.Floor(float64(v + 0.5)))
	}
	return -int(math.Floor(math.Abs(float64(v)) + 0.5))
}

func roundHalfDown(v float32) int {
	if v >= 0 {
		return int(math.Ceil(float64(v - 0.5)))
	}
	return -int(math.Ceil(math.Abs(float64(v)) - 0.5))
}
