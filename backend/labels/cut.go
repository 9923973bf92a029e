package labels

import (
	"cmp"
	"container/heap"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
)

// TileRect is one tile's place in its original image, in pixels: the tile
// covers pixels X…X+W-1 and Y…Y+H-1. Name names the tile's image file.
type TileRect struct {
	Name       string
	X, Y, W, H int
}

// CutToTiles turns labels drawn on a whole image into one label file per
// tile, keyed by tile name, in the tile's coordinates (the original's minus
// X, Y). Label order, ids and every field other than geometry are kept.
//
//   - Polygons are clipped to the tile's rectangle [0, W]×[0, H], region by
//     region (XOR still holds, since clipping is intersection), and kept
//     where anything is left. Clipped regions meet the tile edge without
//     the zero-width bridges plain Sutherland–Hodgman leaves (clip.go).
//   - Boxes, ellipses and points are translated, not clipped, and kept in
//     every tile whose pixels they draw on.
//   - A group keeps the components cut into the tile, and is kept when any
//     is.
//   - Composites are kept where one of the labels they join is, and other
//     (unknown) types, whose geometry this package cannot know, are kept
//     untouched in every tile.
//
// Every tile gets a file, empty or not; its image_filename is the tile's
// name and its completed tasks and unknown keys are the original's.
func CutToTiles(f *File, tiles []TileRect) map[string]*File {
	out := make(map[string]*File, len(tiles))
	for _, t := range tiles {
		tf := &File{ImageFilename: t.Name, CompletedTasks: slices.Clone(f.CompletedTasks), Extra: maps.Clone(f.Extra)}
		if tf.CompletedTasks == nil {
			tf.CompletedTasks = []string{}
		}
		// Composites go where a label they join went, so cut the others
		// first.
		cut := make([]*Label, len(f.Labels))
		kept := map[string]bool{}
		for i, l := range f.Labels {
			if l.Type == TypeComposite {
				continue
			}
			if c, ok := cutLabel(l, t, 0); ok {
				cut[i] = &c
				if c.ObjectID != "" {
					kept[c.ObjectID] = true
				}
			}
		}
		for i, l := range f.Labels {
			switch {
			case cut[i] != nil:
				tf.Labels = append(tf.Labels, *cut[i])
			case l.Type == TypeComposite && slices.ContainsFunc(compositeIDs(l), func(id string) bool { return kept[id] }):
				tf.Labels = append(tf.Labels, l)
			}
		}
		out[t.Name] = tf
	}
	return out
}

// compositeIDs reads a composite's component ids from its JSON.
func compositeIDs(l Label) []string {
	ms, ok := objectMembers(l.Raw, 0)
	if !ok {
		return nil
	}
	m, ok := lookup(ms, "components")
	if !ok {
		return nil
	}
	items, _ := arrayItems(m.val, 0)
	ids := make([]string, 0, len(items))
	for _, it := range items {
		var id string
		p := &parser{data: l.Raw}
		if p.objectID(member{val: it.val}, &id) == nil && id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// cutLabel returns l as seen by tile t, and whether it is in the tile.
func cutLabel(l Label, t TileRect, depth int) (Label, bool) {
	dx, dy := float64(t.X), float64(t.Y)
	switch l.Type {
	case TypePolygon:
		var rings [][]Point
		for _, r := range l.Regions {
			if len(r) < 3 {
				continue
			}
			moved := make([]Point, len(r))
			for i, p := range r {
				moved[i] = Point{p.X - dx, p.Y - dy}
			}
			rings = append(rings, clipRings([][]Point{moved}, 0, 0, float64(t.W), float64(t.H))...)
		}
		if len(rings) == 0 {
			return Label{}, false
		}
		l.Regions = rings
		return l, true
	case TypeBox, TypeEllipse, TypePoint:
		l = translate(l, -dx, -dy)
		x0, y0, x1, y1, ok := pixelBounds(l)
		return l, ok && x1 >= 0 && y1 >= 0 && x0 < t.W && y0 < t.H
	case TypeGroup:
		if depth >= maxGroupDepth {
			return Label{}, false
		}
		var comps []Label
		for _, c := range l.Components {
			if cc, ok := cutLabel(c, t, depth+1); ok {
				comps = append(comps, cc)
			}
		}
		l.Components = comps
		return l, len(comps) > 0
	}
	return l, true
}

// translate moves a label's geometry by (dx, dy), copying what it changes.
func translate(l Label, dx, dy float64) Label {
	mv := func(p Point) Point { return Point{p.X + dx, p.Y + dy} }
	if l.Regions != nil {
		rs := make([][]Point, len(l.Regions))
		for i, r := range l.Regions {
			rs[i] = make([]Point, len(r))
			for j, p := range r {
				rs[i][j] = mv(p)
			}
		}
		l.Regions = rs
	}
	if l.Box != nil {
		b := Box{Centre: mv(l.Box.Centre), Size: l.Box.Size}
		l.Box = &b
	}
	if l.Ellipse != nil {
		e := *l.Ellipse
		e.Centre = mv(e.Centre)
		l.Ellipse = &e
	}
	if l.Point != nil {
		p := mv(*l.Point)
		l.Point = &p
	}
	if l.Components != nil {
		cs := make([]Label, len(l.Components))
		for i, c := range l.Components {
			cs[i] = translate(c, dx, dy)
		}
		l.Components = cs
	}
	return l
}

// pixelBounds is the box of pixels a box, ellipse or point label can draw.
func pixelBounds(l Label) (x0, y0, x1, y1 int, ok bool) {
	var pts []Point
	switch {
	case l.Box != nil:
		b := *l.Box
		pts = []Point{{b.Centre.X - b.Size.X*0.5, b.Centre.Y - b.Size.Y*0.5}, {b.Centre.X + b.Size.X*0.5, b.Centre.Y + b.Size.Y*0.5}}
	case l.Ellipse != nil:
		var reason string
		if pts, reason = ellipsePolygon(*l.Ellipse); reason != "" {
			pts = []Point{l.Ellipse.Centre}
		}
	case l.Point != nil:
		pts = []Point{*l.Point}
	default:
		return 0, 0, 0, 0, false
	}
	x0, y0, x1, y1 = math.MaxInt, math.MaxInt, math.MinInt, math.MinInt
	for _, p := range pts {
		q := truncPt(p.X, p.Y)
		x0, x1 = min(x0, int(q.x)), max(x1, int(q.x))
		y0, y1 = min(y0, int(q.y)), max(y1, int(q.y))
	}
	return x0, y0, x1, y1, true
}

// MergeFromTiles puts the label files of an image's tiles back together in
// the image's coordinates, for exporting per whole image. It is a plain
// union: a polygon cut across tiles comes back as one piece per tile, not
// merged into one, and labels in the overlap of tiles come back once per
// tile. Boxes, ellipses, points, composites and unknown labels that
// CutToTiles copied whole into several tiles come back once.
//
// Labels keep the order they had before the cut, which decides what is
// drawn over what: the pieces of one label (one object_id) stay together,
// and the order of every tile is respected (ties go by tile position, top
// to bottom then left to right). So that ids stay unique, as
// django-labeller requires, a piece whose object_id is taken becomes
// "<id>@<tile name>" (composites still name the original ids). The
// completed tasks are those every tile has; unknown top-level keys are
// merged, the first tile's winning.
func MergeFromTiles(tiles map[TileRect]*File) *File {
	rects := make([]TileRect, 0, len(tiles))
	for r, tf := range tiles {
		if tf != nil {
			rects = append(rects, r)
		}
	}
	slices.SortFunc(rects, func(a, b TileRect) int {
		return cmp.Or(cmp.Compare(a.Y, b.Y), cmp.Compare(a.X, b.X), cmp.Compare(a.Name, b.Name), cmp.Compare(a.W, b.W), cmp.Compare(a.H, b.H))
	})
	out := &File{CompletedTasks: []string{}}
	for i, r := range rects {
		tf := tiles[r]
		if i == 0 {
			out.CompletedTasks = slices.Clone(tf.CompletedTasks)
		} else {
			out.CompletedTasks = slices.DeleteFunc(out.CompletedTasks, func(task string) bool { return !slices.Contains(tf.CompletedTasks, task) })
		}
		for k, v := range tf.Extra {
			if _, ok := out.Extra[k]; !ok {
				if out.Extra == nil {
					out.Extra = map[string]json.RawMessage{}
				}
				out.Extra[k] = v
			}
		}
	}
	if out.CompletedTasks == nil {
		out.CompletedTasks = []string{}
	}

	// Each label becomes a node, shared by the pieces of one object_id;
	// each tile's order gives edges; a topological sort restores the order.
	type piece struct {
		label Label
		tile  string
	}
	var nodes [][]piece
	byID := map[string]int{}
	var edges [][]int
	for _, r := range rects {
		prev := -1
		for _, l := range tiles[r].Labels {
			l = translate(l, float64(r.X), float64(r.Y))
			n, ok := byID[l.ObjectID]
			if !ok || l.ObjectID == "" {
				n = len(nodes)
				nodes = append(nodes, nil)
				edges = append(edges, nil)
				if l.ObjectID != "" {
					byID[l.ObjectID] = n
				}
			}
			nodes[n] = append(nodes[n], piece{l, r.Name})
			if prev >= 0 && prev != n {
				edges[prev] = append(edges[prev], n)
			}
			prev = n
		}
	}
	used := map[string]bool{}
	copies := map[string]bool{}
	for _, n := range topoOrder(len(nodes), edges) {
		for _, p := range nodes[n] {
			l := p.label
			if l.Type != TypePolygon && l.Type != TypeGroup {
				key := copyKey(l)
				if copies[key] {
					continue
				}
				copies[key] = true
			}
			out.Labels = append(out.Labels, uniqueIDs(l, p.tile, used, 0))
		}
	}
	return out
}

// topoOrder sorts nodes 0…n-1 so that edges go forward, taking the lowest
// numbered node free at each step; a cycle (tiles edited into conflicting
// orders) is broken at its lowest numbered node.
func topoOrder(n int, edges [][]int) []int {
	indeg := make([]int, n)
	for _, es := range edges {
		for _, e := range es {
			indeg[e]++
		}
	}
	done := make([]bool, n)
	order := make([]int, 0, n)
	ready := &intHeap{}
	for i := 0; i < n; i++ {
		if indeg[i] == 0 {
			heap.Push(ready, i)
		}
	}
	next := 0 // lowest node not yet placed, for breaking cycles
	for len(order) < n {
		var v int
		if ready.Len() > 0 {
			v = heap.Pop(ready).(int)
		} else {
			for done[next] {
				next++
			}
			v = next
		}
		if done[v] {
			continue
		}
		done[v] = true
		order = append(order, v)
		for _, e := range edges[v] {
			indeg[e]--
			if indeg[e] == 0 && !done[e] {
				heap.Push(ready, e)
			}
		}
	}
	return order
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

// copyKey identifies a label copied into several tiles: its id, type and
// geometry (to a millionth of a pixel, as translating there and back may
// round), or its JSON when this package cannot read its geometry.
func copyKey(l Label) string {
	r := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	switch {
	case l.Box != nil:
		return fmt.Sprint(l.ObjectID, l.Type, r(l.Box.Centre.X), r(l.Box.Centre.Y), r(l.Box.Size.X), r(l.Box.Size.Y))
	case l.Ellipse != nil:
		e := l.Ellipse
		return fmt.Sprint(l.ObjectID, l.Type, r(e.Centre.X), r(e.Centre.Y), e.Radius1, e.Radius2, e.Orientation)
	case l.Point != nil:
		return fmt.Sprint(l.ObjectID, l.Type, r(l.Point.X), r(l.Point.Y))
	}
	return fmt.Sprint(l.ObjectID, l.Type, string(l.Raw))
}

// uniqueIDs renames l's object_id, and its components', where taken.
func uniqueIDs(l Label, tile string, used map[string]bool, depth int) Label {
	if l.ObjectID != "" {
		id := l.ObjectID
		if used[id] {
			id = l.ObjectID + "@" + tile
			for n := 2; used[id]; n++ {
				id = fmt.Sprintf("%s@%s#%d", l.ObjectID, tile, n)
			}
		}
		used[id] = true
		l.ObjectID = id
	}
	if len(l.Components) > 0 && depth < maxGroupDepth {
		cs := make([]Label, len(l.Components))
		for i, c := range l.Components {
			cs[i] = uniqueIDs(c, tile, used, depth+1)
		}
		l.Components = cs
	}
	return l
}
