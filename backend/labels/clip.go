package labels

import (
	"cmp"
	"slices"
)

// clipRings clips rings, combined by XOR (even-odd), to the rectangle
// [x0, x1]×[y0, y1]. It clips against one side at a time like
// Sutherland–Hodgman, but closes the pieces along each side only between
// crossings that bound the inside, pairing crossings in order along the
// side. Plain Sutherland–Hodgman joins the pieces of a concave ring with
// zero-width bridges along the side, which have no area but which Pillow's
// fill, drawing boundary pixels, would paint as lines along the tile edge.
func clipRings(rings [][]Point, x0, y0, x1, y1 float64) [][]Point {
	for _, hp := range []halfPlane{{0, x0, 1}, {0, x1, -1}, {1, y0, 1}, {1, y1, -1}} {
		var out [][]Point
		for _, r := range rings {
			out = append(out, hp.clip(r)...)
		}
		rings = out
		if len(rings) == 0 {
			break
		}
	}
	return rings
}

// halfPlane keeps the points whose coordinate axis (0 x, 1 y) is on side
// sign (+1 at or above c, -1 at or below c).
type halfPlane struct {
	axis int
	c    float64
	sign float64
}

func (h halfPlane) coord(p Point) (along, across float64) {
	if h.axis == 0 {
		return p.X, p.Y
	}
	return p.Y, p.X
}

func (h halfPlane) inside(p Point) bool {
	v, _ := h.coord(p)
	return (v-h.c)*h.sign >= 0
}

// cross is where segment a-b meets the line, exactly on it.
func (h halfPlane) cross(a, b Point) Point {
	va, ua := h.coord(a)
	vb, ub := h.coord(b)
	u := ua + (h.c-va)/(vb-va)*(ub-ua)
	if h.axis == 0 {
		return Point{h.c, u}
	}
	return Point{u, h.c}
}

// chain is a run of a ring inside the half-plane, from the crossing where
// the ring enters to the one where it leaves.
type chain struct {
	pts  []Point
	used bool
}

func (h halfPlane) clip(ring []Point) [][]Point {
	n := len(ring)
	if n < 3 {
		return nil
	}
	// Start the walk at a vertex where the ring enters the half-plane.
	start := -1
	allIn := true
	for i := 0; i < n; i++ {
		prev, cur := ring[(i+n-1)%n], ring[i]
		if !h.inside(cur) {
			allIn = false
		} else if !h.inside(prev) {
			start = i
			break
		}
	}
	if start < 0 {
		if allIn {
			return [][]Point{ring}
		}
		return nil
	}
	var chains []*chain
	var cur *chain
	for k := 0; k < n; k++ {
		i := (start + k) % n
		prev, p := ring[(i+n-1)%n], ring[i]
		pin, in := h.inside(prev), h.inside(p)
		switch {
		case !pin && in:
			cur = &chain{pts: []Point{h.cross(prev, p)}}
			cur.pts = appendPoint(cur.pts, p)
		case pin && in:
			cur.pts = appendPoint(cur.pts, p)
		case pin && !in:
			cur.pts = appendPoint(cur.pts, h.cross(prev, p))
			chains = append(chains, cur)
			cur = nil
		}
	}
	if cur != nil { // the walk ends inside: the closing edge leaves
		cur.pts = appendPoint(cur.pts, h.cross(ring[(start+n-1)%n], ring[start]))
		chains = append(chains, cur)
	}
	// Pair the crossings in order along the line: between the members of
	// a pair the line is inside the ring.
	type end struct {
		at    float64
		chain int
		last  bool // the chain's leaving end
	}
	ends := make([]end, 0, 2*len(chains))
	for i, c := range chains {
		_, a := h.coord(c.pts[0])
		_, b := h.coord(c.pts[len(c.pts)-1])
		ends = append(ends, end{a, i, false}, end{b, i, true})
	}
	slices.SortStableFunc(ends, func(a, b end) int { return cmp.Compare(a.at, b.at) })
	partner := make(map[[2]int]end, len(ends))
	key := func(e end) [2]int {
		if e.last {
			return [2]int{e.chain, 1}
		}
		return [2]int{e.chain, 0}
	}
	for i := 0; i+1 < len(ends); i += 2 {
		partner[key(ends[i])] = ends[i+1]
		partner[key(ends[i+1])] = ends[i]
	}
	// Walk chains and pairings into rings; a chain may be walked backwards,
	// which even-odd filling does not mind.
	var rings [][]Point
	for i, c := range chains {
		if c.used {
			continue
		}
		var r []Point
		at := end{chain: i}
		for !chains[at.chain].used {
			ch := chains[at.chain]
			ch.used = true
			if !at.last {
				for _, p := range ch.pts {
					r = appendPoint(r, p)
				}
			} else {
				for j := len(ch.pts) - 1; j >= 0; j-- {
					r = appendPoint(r, ch.pts[j])
				}
			}
			// Leave by the chain's other end, cross the line to its partner.
			other := end{chain: at.chain, last: !at.last}
			next, ok := partner[key(other)]
			if !ok {
				break
			}
			at = next
		}
		if len(r) > 1 && r[0] == r[len(r)-1] {
			r = r[:len(r)-1]
		}
		if len(r) >= 3 {
			rings = append(rings, r)
		}
	}
	return rings
}

func appendPoint(pts []Point, p Point) []Point {
	if len(pts) > 0 && pts[len(pts)-1] == p {
		return pts
	}
	return append(pts, p)
}
