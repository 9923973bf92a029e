package labels

import (
	"encoding/json"
	"fmt"
	"image"
	"strings"
	"testing"
)

// grid cuts a w×h image into size×size tiles, overlapping by overlap.
func grid(w, h, size, overlap int) []TileRect {
	var ts []TileRect
	step := size - overlap
	for y := 0; y < h; y += step {
		for x := 0; x < w; x += step {
			ts = append(ts, TileRect{Name: fmt.Sprintf("t_r%03d_c%03d.png", y/step, x/step), X: x, Y: y, W: min(size, w-x), H: min(size, h-y)})
			if x+size >= w {
				break
			}
		}
		if y+size >= h {
			break
		}
	}
	return ts
}

func crop(m *image.Gray, r TileRect) []byte {
	out := make([]byte, 0, r.W*r.H)
	for y := r.Y; y < r.Y+r.H; y++ {
		out = append(out, m.Pix[y*m.Stride+r.X:y*m.Stride+r.X+r.W]...)
	}
	return out
}

func TestClipConcaveRingHasNoBridges(t *testing.T) {
	// A "C" open to the right, crossing the tile's left edge twice: its
	// arms enter the tile, its back stays outside.
	c := []Point{{-20, 2}, {10, 2}, {10, 6}, {-10, 6}, {-10, 14}, {10, 14}, {10, 18}, {-20, 18}}
	rings := clipRings([][]Point{c}, 0, 0, 30, 30)
	if len(rings) != 2 {
		t.Fatalf("rings %v, want the two arms", rings)
	}
	m, _ := Rasterise(&File{Labels: []Label{{Type: TypePolygon, Class: "tree", Regions: rings}}}, testSchema(), 30, 30)
	for y := 8; y <= 12; y++ {
		if m.Pix[y*m.Stride] != 0 {
			t.Errorf("pixel (0,%d) between the arms is drawn", y)
		}
	}
	whole, _ := Rasterise(&File{Labels: []Label{{Type: TypePolygon, Class: "tree", Regions: [][]Point{c}}}}, testSchema(), 60, 30)
	tiles := CutToTiles(&File{Labels: []Label{{Type: TypePolygon, Class: "tree", Regions: [][]Point{translatePts(c, 20)}}}},
		[]TileRect{{Name: "b", X: 20, Y: 0, W: 30, H: 30}})
	tm, _ := Rasterise(tiles["b"], testSchema(), 30, 30)
	if a, desc := agreement(tm, crop(shift(whole, 20), TileRect{X: 20, W: 30, H: 30})); a != 1 {
		t.Errorf("tile differs from the whole image's crop: %s", desc)
	}
}

func translatePts(ps []Point, dx float64) []Point {
	out := make([]Point, len(ps))
	for i, p := range ps {
		out[i] = Point{p.X + dx, p.Y}
	}
	return out
}

// shift renders nothing new: it returns m as if drawn dx pixels to the
// right, padded with background, so crops line up with translated labels.
func shift(m *image.Gray, dx int) *image.Gray {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w+dx, h))
	for y := 0; y < h; y++ {
		copy(out.Pix[y*out.Stride+dx:], m.Pix[y*m.Stride:y*m.Stride+w])
	}
	return out
}

func TestClipRings(t *testing.T) {
	// Inside, outside, and a ring holding the whole rectangle.
	if r := clipRings([][]Point{square(1, 1, 2, 2)}, 0, 0, 10, 10); len(r) != 1 || len(r[0]) != 4 {
		t.Errorf("inside: %v", r)
	}
	if r := clipRings([][]Point{square(20, 20, 30, 30)}, 0, 0, 10, 10); len(r) != 0 {
		t.Errorf("outside: %v", r)
	}
	r := clipRings([][]Point{square(-5, -5, 15, 15)}, 0, 0, 10, 10)
	if len(r) != 1 || shoelace(r[0]) != 100 {
		t.Errorf("around: %v", r)
	}
	// Area is kept for a hole-punched region cut in half.
	rings := clipRings([][]Point{square(-10, 0, 10, 10), square(-5, 2, 5, 8)}, 0, 0, 100, 100)
	if a := shoelace(rings[0]) - shoelace(rings[1]); a != 100-30 {
		t.Errorf("cut ring with hole: area %v, rings %v", a, rings)
	}
}

func TestCutAndMergeAgreeWithWholeImage(t *testing.T) {
	const w, h = 700, 530
	sch := testSchema()
	var sameTiles, totalTiles, sameMerged, totalMerged float64
	for seed := uint64(1); seed <= 6; seed++ {
		f := newGen(seed+100, w, h).file(60)
		whole, _ := Rasterise(f, sch, w, h)
		for _, overlap := range []int{0, 32} {
			rects := grid(w, h, 256, overlap)
			tiles := CutToTiles(f, rects)
			if len(tiles) != len(rects) {
				t.Fatalf("%d tiles for %d rects", len(tiles), len(rects))
			}
			back := map[TileRect]*File{}
			var same, total float64
			for _, r := range rects {
				tf := tiles[r.Name]
				if tf.ImageFilename != r.Name {
					t.Errorf("tile file names %q", tf.ImageFilename)
				}
				m, _ := Rasterise(tf, sch, r.W, r.H)
				a, desc := agreement(m, crop(whole, r))
				same += a * float64(r.W*r.H)
				total += float64(r.W * r.H)
				if a < 0.99 {
					t.Errorf("seed %d tile %+v: agreement %.4f%%: %s", seed, r, 100*a, desc)
				}
				// Through a file and back, as the app stores tiles.
				data, err := tf.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				back[r] = parseString(t, string(data))
			}
			if same/total < minAgreement {
				t.Errorf("seed %d overlap %d: tiles agree with the whole mask on %.4f%% of pixels", seed, overlap, 100*same/total)
			}
			sameTiles += same
			totalTiles += total
			merged := MergeFromTiles(back)
			ids := map[string]bool{}
			for _, l := range merged.Labels {
				for _, id := range flatIDs(l) {
					if ids[id] {
						t.Fatalf("merged file repeats object id %s", id)
					}
					ids[id] = true
				}
			}
			m, _ := Rasterise(merged, sch, w, h)
			a, desc := agreement(m, whole.Pix)
			sameMerged += a * w * h
			totalMerged += w * h
			if a < minAgreement {
				t.Errorf("seed %d overlap %d merged: agreement %.4f%%: %s", seed, overlap, 100*a, desc)
			}
		}
	}
	t.Logf("tiles vs crops of the whole mask: %.4f%%; merged vs whole: %.4f%%", 100*sameTiles/totalTiles, 100*sameMerged/totalMerged)
}

func flatIDs(l Label) []string {
	ids := []string{}
	if l.ObjectID != "" {
		ids = append(ids, l.ObjectID)
	}
	for _, c := range l.Components {
		ids = append(ids, flatIDs(c)...)
	}
	return ids
}

func TestCutKeepsWhatItCannotClip(t *testing.T) {
	f := parseFixture(t, "current__labels.json")
	rects := []TileRect{{Name: "left", X: 0, Y: 0, W: 40, H: 100}, {Name: "right", X: 40, Y: 0, W: 60, H: 100}, {Name: "far", X: 500, Y: 500, W: 10, H: 10}}
	tiles := CutToTiles(f, rects)
	types := func(tf *File) string {
		var ts []string
		for _, l := range tf.Labels {
			ts = append(ts, l.Type)
		}
		return strings.Join(ts, ",")
	}
	// The polygon spans both tiles; the box (x 66–75) and the group are on
	// the right, the ellipse (x 18–42) on both, the point on the left.
	if got := types(tiles["left"]); got != "polygon,oriented_ellipse,point,composite,freehand" {
		t.Errorf("left: %s", got)
	}
	if got := types(tiles["right"]); got != "polygon,box,oriented_ellipse,group,composite,freehand" {
		t.Errorf("right: %s", got)
	}
	if got := types(tiles["far"]); got != "freehand" {
		t.Errorf("far: %s", got)
	}
	right := tiles["right"]
	if b := right.Labels[1].Box; b.Centre != (Point{30.5, 12}) {
		t.Errorf("box not translated: %+v", b)
	}
	// Unknown keys survive the cut, and the geometry is the tile's.
	data, err := right.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	g := parseString(t, string(data))
	if !strings.Contains(string(g.Labels[0].Raw), `"reviewer":"kept as is"`) || g.Labels[0].Regions[0][0].X < 0 {
		t.Errorf("cut polygon: %s", g.Labels[0].Raw)
	}
	if g.Labels[0].Class != "tree" || !strings.Contains(string(data), `"tool_version":"0.3"`) || g.ImageFilename != "right" {
		t.Errorf("cut file: %s", data)
	}

	back := map[TileRect]*File{}
	for _, r := range rects {
		back[r] = tiles[r.Name]
	}
	merged := MergeFromTiles(back)
	count := map[string]int{}
	for _, l := range merged.Labels {
		count[l.Type]++
	}
	want := map[string]int{"polygon": 2, "box": 1, "oriented_ellipse": 1, "point": 1, "group": 1, "composite": 1, "freehand": 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("merged label types %v, want %v", count, want)
	}
	for _, l := range merged.Labels {
		if l.Type == TypeBox && l.Box.Centre != (Point{70.5, 12}) {
			t.Errorf("box not moved back: %+v", l.Box)
		}
	}
	js, _ := json.Marshal(merged.CompletedTasks)
	if string(js) != `["finished","reviewed"]` {
		t.Errorf("completed tasks %s", js)
	}
}
