package labels

import (
	"image"
	"strings"
	"testing"
)

// maskString draws a mask as rows of digits, '.' for background.
func maskString(m *image.Gray) string {
	var b strings.Builder
	for y := 0; y < m.Rect.Dy(); y++ {
		for x := 0; x < m.Rect.Dx(); x++ {
			v := m.Pix[y*m.Stride+x]
			if v == 0 {
				b.WriteByte('.')
			} else {
				b.WriteByte('0' + v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func square(x0, y0, x1, y1 float64) []Point {
	return []Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func TestRasteriseRules(t *testing.T) {
	sch := testSchema()
	tests := []struct {
		name     string
		labels   []Label
		want     string
		problems int
	}{{
		name:   "square includes its boundary",
		labels: []Label{{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(1, 1, 4, 3)}}},
		want:   "......\n.1111.\n.1111.\n.1111.\n......\n",
	}, {
		name: "inner region is a hole, its boundary too",
		labels: []Label{{Type: TypePolygon, Class: "lake", Regions: [][]Point{
			square(0, 0, 5, 4), square(2, 2, 3, 2.9)}}},
		want: "222222\n222222\n22..22\n222222\n222222\n",
	}, {
		name: "later label paints over earlier",
		labels: []Label{
			{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(0, 0, 3, 3)}},
			{Type: TypePolygon, Class: "wall", Regions: [][]Point{square(2, 1, 5, 4)}},
		},
		want: "1111..\n114444\n114444\n114444\n..4444\n",
	}, {
		name: "class outside the schema is left out and reported",
		labels: []Label{
			{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(0, 0, 1, 1)}},
			{Type: TypePolygon, Class: "cloud", Regions: [][]Point{square(0, 0, 5, 4)}},
		},
		want:     "11....\n11....\n......\n......\n......\n",
		problems: 1,
	}, {
		name:   "box truncates its corners",
		labels: []Label{{Type: TypeBox, Class: "flower", Box: &Box{Centre: Point{2.5, 2}, Size: Point{3, 2}}}},
		want:   "......\n.3333.\n.3333.\n.3333.\n......\n",
	}, {
		name: "point is one pixel, composite nothing, group its parts",
		labels: []Label{
			{Type: TypePoint, Class: "tree", Point: &Point{5.9, 0.2}},
			{Type: TypeComposite, Class: "wall"},
			{Type: TypeGroup, Class: "lake", Components: []Label{
				{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(0, 3, 1, 4)}},
				{Type: TypeBox, Class: "tree", Box: &Box{Centre: Point{4, 4}, Size: Point{0, 0}}},
			}},
		},
		want: ".....1\n......\n......\n22....\n22..2.\n",
	}, {
		name:     "unknown type is reported",
		labels:   []Label{{Type: "freehand", Class: "tree"}},
		want:     "......\n......\n......\n......\n......\n",
		problems: 1,
	}, {
		name:   "off the image is clipped",
		labels: []Label{{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(-10, -10, 1, 100)}}},
		want:   "11....\n11....\n11....\n11....\n11....\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, problems := Rasterise(&File{Labels: tt.labels}, sch, 6, 5)
			if got := maskString(m); got != tt.want {
				t.Errorf("mask:\n%s\nwant:\n%s", got, tt.want)
			}
			if len(problems) != tt.problems {
				t.Errorf("problems %v, want %d", problems, tt.problems)
			}
		})
	}
}

func TestRasteriseProblemNamesLabel(t *testing.T) {
	f := &File{Labels: []Label{
		{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(0, 0, 1, 1)}},
		{Type: TypePolygon, ObjectID: "abc__2", Class: "cloud", Regions: [][]Point{square(0, 0, 1, 1)}},
	}}
	_, problems := Rasterise(f, testSchema(), 4, 4)
	if len(problems) != 1 {
		t.Fatalf("problems %v", problems)
	}
	p := problems[0]
	if p.Label != 1 || p.ObjectID != "abc__2" || p.Class != "cloud" || p.Reason != ReasonUnknownClass {
		t.Errorf("problem %+v", p)
	}
	if s := p.String(); !strings.Contains(s, "abc__2") || !strings.Contains(s, "cloud") {
		t.Errorf("problem text %q", s)
	}
}

func TestRasteriseEmpty(t *testing.T) {
	m, problems := Rasterise(nil, Schema{}, 3, 2)
	if m.Rect.Dx() != 3 || m.Rect.Dy() != 2 || len(problems) != 0 {
		t.Fatalf("got %v %v", m.Rect, problems)
	}
	m, _ = Rasterise(&File{Labels: []Label{{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(0, 0, 9, 9)}}}}, testSchema(), 0, 0)
	if len(m.Pix) != 0 {
		t.Fatal("zero-size mask has pixels")
	}
}

func TestColourPreview(t *testing.T) {
	sch := testSchema()
	m, _ := Rasterise(&File{Labels: []Label{{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(0, 0, 1, 1)}}}}, sch, 3, 3)
	m.Pix[2*m.Stride+2] = 200 // a value no class has
	p := ColourPreview(m, sch, "natural")
	if c := p.RGBAAt(0, 0); c.R != 0 || c.G != 255 || c.B != 192 || c.A != 255 {
		t.Errorf("tree pixel %v", c)
	}
	if c := p.RGBAAt(2, 0); c.A != 0 {
		t.Errorf("background pixel %v, want transparent", c)
	}
	if c := p.RGBAAt(2, 2); c.A != 255 {
		t.Errorf("unknown value pixel %v, want opaque", c)
	}
}

func BenchmarkRasterise200(b *testing.B) {
	f := benchFile()
	sch := testSchema()
	b.ReportAllocs()
	for b.Loop() {
		Rasterise(f, sch, 512, 512)
	}
}
