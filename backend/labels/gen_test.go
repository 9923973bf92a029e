package labels

import (
	"math"
	"math/rand/v2"
)

// testSchema has four classes in two groups: tree=1, lake=2, flower=3, wall=4.
func testSchema() Schema {
	return Schema{
		ColourSchemes: []ColourScheme{{Name: "natural", HumanName: "Natural"}},
		Groups: []Group{
			{Name: "Natural", Classes: []Class{
				{Name: "tree", HumanName: "Trees", Colours: map[string][3]uint8{"default": {0, 255, 192}, "natural": {0, 255, 192}}},
				{Name: "lake", HumanName: "Lake", Colours: map[string][3]uint8{"default": {0, 128, 255}}},
				{Name: "flower", HumanName: "Flower", Colours: map[string][3]uint8{"default": {255, 96, 192}}},
			}},
			{Name: "Artificial", Classes: []Class{
				{Name: "wall", HumanName: "Wall", Colours: map[string][3]uint8{"default": {0, 128, 255}}},
			}},
		},
	}
}

// gen makes random labels that look like annotations, with the awkward
// cases the rasteriser must get right.
type gen struct {
	rng  *rand.Rand
	w, h int
}

func newGen(seed uint64, w, h int) *gen {
	return &gen{rng: rand.New(rand.NewPCG(seed, seed*7+1)), w: w, h: h}
}

var genClasses = []string{"tree", "lake", "flower", "wall"}

func (g *gen) class() string {
	if g.rng.IntN(25) == 0 {
		return "unknown_class"
	}
	return genClasses[g.rng.IntN(len(genClasses))]
}

// coord snaps some vertices to pixel centres or half pixels, leaves the
// rest fractional.
func (g *gen) coord(v float64) float64 {
	switch g.rng.IntN(4) {
	case 0:
		return math.Round(v)
	case 1:
		return math.Round(v*2) / 2
	}
	return math.Round(v*100) / 100
}

// star is a simple polygon around (cx, cy): vertices at increasing angles.
func (g *gen) star(cx, cy, rmin, rmax float64, n int) []Point {
	ring := make([]Point, n)
	a0 := g.rng.Float64() * 2 * math.Pi
	for i := range ring {
		a := a0 + 2*math.Pi*(float64(i)+0.8*g.rng.Float64())/float64(n)
		r := rmin + g.rng.Float64()*(rmax-rmin)
		ring[i] = Point{g.coord(cx + r*math.Cos(a)), g.coord(cy + r*math.Sin(a))}
	}
	return ring
}

// staircase is a polygon of horizontal and vertical edges only.
func (g *gen) staircase(cx, cy, size float64) []Point {
	steps := 2 + g.rng.IntN(5)
	var ring []Point
	x, y := cx-size, cy-size
	ring = append(ring, Point{math.Round(x), math.Round(y)})
	for i := 0; i < steps; i++ {
		x += size / float64(steps) * 2
		ring = append(ring, Point{math.Round(x), math.Round(y)})
		y += size / float64(steps) * 2
		ring = append(ring, Point{math.Round(x), math.Round(y)})
	}
	ring = append(ring, Point{math.Round(cx - size), math.Round(y)})
	return ring
}

func (g *gen) centre() (float64, float64) {
	// Some labels straddle or leave the image.
	m := 0.15
	return (g.rng.Float64()*(1+2*m) - m) * float64(g.w), (g.rng.Float64()*(1+2*m) - m) * float64(g.h)
}

func (g *gen) polygon() Label {
	cx, cy := g.centre()
	r := 4 + g.rng.Float64()*float64(min(g.w, g.h))/6
	l := Label{Type: TypePolygon, Class: g.class()}
	switch g.rng.IntN(8) {
	case 0: // with a hole
		l.Regions = [][]Point{g.star(cx, cy, r*0.8, r, 8+g.rng.IntN(40)), g.star(cx, cy, r*0.2, r*0.5, 3+g.rng.IntN(12))}
	case 1: // several separate or overlapping regions
		for k := 0; k < 2+g.rng.IntN(3); k++ {
			l.Regions = append(l.Regions, g.star(cx+g.rng.Float64()*r*2-r, cy+g.rng.Float64()*r*2-r, r*0.3, r*0.8, 5+g.rng.IntN(20)))
		}
	case 2: // horizontal and vertical edges
		l.Regions = [][]Point{g.staircase(cx, cy, r)}
	case 3: // a self-intersecting scribble
		ring := make([]Point, 4+g.rng.IntN(12))
		for i := range ring {
			ring[i] = Point{g.coord(cx + (g.rng.Float64()*2-1)*r), g.coord(cy + (g.rng.Float64()*2-1)*r)}
		}
		l.Regions = [][]Point{ring}
	case 4: // a degenerate region that is skipped, beside a real one
		l.Regions = [][]Point{{{cx, cy}, {cx + 3, cy}}, g.star(cx, cy, r*0.5, r, 6+g.rng.IntN(20))}
	default:
		l.Regions = [][]Point{g.star(cx, cy, r*0.5, r, 6+g.rng.IntN(60))}
	}
	return l
}

func (g *gen) label() Label {
	switch k := g.rng.IntN(20); {
	case k < 14:
		return g.polygon()
	case k < 16:
		cx, cy := g.centre()
		return Label{Type: TypeBox, Class: g.class(), Box: &Box{
			Centre: Point{g.coord(cx), g.coord(cy)},
			Size:   Point{g.coord(g.rng.Float64() * float64(g.w) / 4), g.coord(g.rng.Float64() * float64(g.h) / 4)}}}
	case k < 18:
		cx, cy := g.centre()
		return Label{Type: TypeEllipse, Class: g.class(), Ellipse: &Ellipse{
			Centre:  Point{g.coord(cx), g.coord(cy)},
			Radius1: g.rng.Float64() * float64(g.w) / 6, Radius2: g.rng.Float64() * float64(g.h) / 6,
			Orientation: g.rng.Float64()*2*math.Pi - math.Pi}}
	case k < 19:
		cx, cy := g.centre()
		return Label{Type: TypePoint, Class: g.class(), Point: &Point{g.coord(cx), g.coord(cy)}}
	default:
		grp := Label{Type: TypeGroup, Class: g.class()}
		for i := 0; i < 1+g.rng.IntN(3); i++ {
			c := g.polygon()
			c.Class = "tree" // a group draws with its own class
			grp.Components = append(grp.Components, c)
		}
		return grp
	}
}

func (g *gen) file(n int) *File {
	f := &File{ImageFilename: "generated.png", CompletedTasks: []string{}}
	for i := 0; i < n; i++ {
		l := g.label()
		l.ObjectID = "gen__" + itoa(i+1)
		f.Labels = append(f.Labels, l)
	}
	return f
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

// benchFile is 200 polygons on a 512×512 tile, sized like real annotations
// (10–80 px across, 20–80 vertices), some with holes.
func benchFile() *File {
	g := newGen(42, 512, 512)
	f := &File{}
	for i := 0; i < 200; i++ {
		cx, cy := g.rng.Float64()*512, g.rng.Float64()*512
		r := 5 + g.rng.Float64()*35
		l := Label{Type: TypePolygon, Class: genClasses[i%4], Regions: [][]Point{g.star(cx, cy, r*0.6, r, 20+g.rng.IntN(60))}}
		if i%10 == 0 {
			l.Regions = append(l.Regions, g.star(cx, cy, r*0.1, r*0.3, 8))
		}
		f.Labels = append(f.Labels, l)
	}
	return f
}

func mathInf() float64 { return math.Inf(1) }

// shoelace is a ring's unsigned area.
func shoelace(r []Point) float64 {
	a := 0.0
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		a += p.X*q.Y - q.X*p.Y
	}
	return math.Abs(a) / 2
}
