package labels

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

// errorPos is what every parse error starts with.
var errorPos = regexp.MustCompile(`^annotations/f__labels\.json:[0-9]+:[0-9]+: `)

func FuzzParseFile(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*__labels.json"))
	for _, p := range fixtures {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, `[]`, `{}`, `null`, `{"labels": null}`, "\xEF\xBB\xBF[]",
		`{"labels": [{"label_type": "polygon", "label_class": "tree", "regions": [[{"x": 1e308, "y": -1e308}, {"x": 0, "y": 0}, {"x": 5, "y": 9}]]}]}`,
		`{"labels": [{"label_type": "oriented_ellipse", "label_class": "lake", "centre": {"x": 3, "y": 3}, "radius1": 2, "radius2": 1e9, "orientation_radians": 7}]}`,
		`{"labels": [{"label_type": "group", "label_class": "tree", "component_models": [{"label_type": "group", "label_class": "x", "component_models": []}]}]}`,
		`{"labels": [{"label_type": "box", "label_class": "wall", "centre": {"x": 5, "y": 5}, "size": {"x": -3, "y": 40}}], "complete": true, "x": [1, {"y": null}]}`,
	} {
		f.Add([]byte(s))
	}
	sch := testSchema()
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "annotations/f__labels.json"
		lf, err := ParseFile(strings.NewReader(string(data)), path)
		if err != nil {
			var be *backend.Error
			if !errors.As(err, &be) || be.Code != backend.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			if !errorPos.MatchString(be.Message) {
				t.Fatalf("error %q does not say where", be.Message)
			}
			return
		}
		out, err := lf.MarshalJSON()
		if err != nil {
			t.Fatalf("a parsed file does not encode: %v", err)
		}
		again, err := ParseFile(strings.NewReader(string(out)), path)
		if err != nil {
			t.Fatalf("the encoded file does not parse: %v\n%s", err, out)
		}
		if !equalFiles(t, lf, again) {
			t.Fatalf("round trip changed the file:\n%s\n%s", data, out)
		}
		Rasterise(lf, sch, 37, 23)
		tiles := CutToTiles(lf, []TileRect{{Name: "a", X: 0, Y: 0, W: 20, H: 23}, {Name: "b", X: 17, Y: 5, W: 20, H: 18}})
		back := map[TileRect]*File{}
		for _, tf := range tiles {
			if _, err := tf.MarshalJSON(); err != nil {
				t.Fatalf("a cut tile does not encode: %v", err)
			}
		}
		back[TileRect{Name: "a", W: 20, H: 23}] = tiles["a"]
		back[TileRect{Name: "b", X: 17, Y: 5, W: 20, H: 18}] = tiles["b"]
		MergeFromTiles(back)
		COCO([]COCOImage{{ID: 1, FileName: "f.png", W: 37, H: 23, Labels: lf}}, sch)
	})
}
