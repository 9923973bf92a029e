package labels

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

func parseFixture(t *testing.T, name string) *File {
	t.Helper()
	path := filepath.Join("testdata", name)
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := ParseFile(fh, path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func parseString(t *testing.T, s string) *File {
	t.Helper()
	f, err := ParseFile(strings.NewReader(s), "test__labels.json")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestParseCurrentForm(t *testing.T) {
	f := parseFixture(t, "current__labels.json")
	if f.ImageFilename != "tile_r000_c001.png" || !slices.Equal(f.CompletedTasks, []string{"finished", "reviewed"}) {
		t.Errorf("header %q %q", f.ImageFilename, f.CompletedTasks)
	}
	if string(f.Extra["tool_version"]) != `"0.3"` || len(f.Extra) != 1 {
		t.Errorf("extra %v", f.Extra)
	}
	if len(f.Legacy) != 0 {
		t.Errorf("legacy %v", f.Legacy)
	}
	var types []string
	for _, l := range f.Labels {
		types = append(types, l.Type)
	}
	if want := []string{"polygon", "box", "oriented_ellipse", "point", "group", "composite", "freehand"}; !slices.Equal(types, want) {
		t.Fatalf("types %v", types)
	}
	poly := f.Labels[0]
	if poly.Class != "tree" || poly.Source != "manual" || !strings.HasSuffix(poly.ObjectID, "__1") || len(poly.Regions) != 2 ||
		poly.Regions[1][0] != (Point{20.5, 20.25}) || compact(t, poly.AnnoData) != `{"visibility":"full","note":"ring with a hole"}` {
		t.Errorf("polygon %+v", poly)
	}
	if b := f.Labels[1].Box; b == nil || *b != (Box{Point{70.5, 12}, Point{9, 6.5}}) {
		t.Errorf("box %+v", b)
	}
	if e := f.Labels[2].Ellipse; e == nil || e.Centre != (Point{30, 60}) || e.Radius1 != 12.5 || e.Radius2 != 5 || e.Orientation != 0.5235987755982988 {
		t.Errorf("ellipse %+v", e)
	}
	if p := f.Labels[3]; p.Point == nil || *p.Point != (Point{5.5, 70.25}) || p.Source != "" || p.AnnoData != nil {
		t.Errorf("point %+v", p)
	}
	if g := f.Labels[4]; len(g.Components) != 2 || g.Components[0].Type != TypePolygon || g.Components[1].Box == nil {
		t.Errorf("group %+v", g)
	}
}

func TestRoundTripKeepsEverything(t *testing.T) {
	for _, name := range []string{"current__labels.json", "legacy_complete__labels.json", "legacy_list__labels.json"} {
		t.Run(name, func(t *testing.T) {
			f := parseFixture(t, name)
			path := filepath.Join(t.TempDir(), name)
			if err := WriteFile(path, f); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			g := parseString(t, string(data))
			if !equalFiles(t, f, g) {
				t.Errorf("round trip changed the data:\n%+v\n%+v", f, g)
			}
			// Written again, the file is byte for byte the same.
			path2 := path + ".2"
			if err := WriteFile(path2, g); err != nil {
				t.Fatal(err)
			}
			data2, _ := os.ReadFile(path2)
			if !bytes.Equal(data, data2) {
				t.Errorf("second write differs:\n%s\n%s", data, data2)
			}
		})
	}
}

// equalFiles compares everything but Raw's whitespace and Legacy.
func equalFiles(t *testing.T, a, b *File) bool {
	t.Helper()
	if a.ImageFilename != b.ImageFilename || !slices.Equal(a.CompletedTasks, b.CompletedTasks) || len(a.Labels) != len(b.Labels) ||
		!reflect.DeepEqual(compactMap(t, a.Extra), compactMap(t, b.Extra)) {
		return false
	}
	for i := range a.Labels {
		if !equalLabels(t, a.Labels[i], b.Labels[i]) {
			t.Logf("label %d differs", i)
			return false
		}
	}
	return true
}

func compactMap(t *testing.T, m map[string]json.RawMessage) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = compact(t, v)
	}
	return out
}

func equalLabels(t *testing.T, a, b Label) bool {
	if a.Type != b.Type || a.ObjectID != b.ObjectID || a.Class != b.Class || a.Source != b.Source ||
		!regionsEqual(a.Regions, b.Regions) || !reflect.DeepEqual(a.Box, b.Box) || !reflect.DeepEqual(a.Ellipse, b.Ellipse) ||
		!reflect.DeepEqual(a.Point, b.Point) || len(a.Components) != len(b.Components) {
		return false
	}
	if (a.AnnoData == nil) != (b.AnnoData == nil) || a.AnnoData != nil && compact(t, a.AnnoData) != compact(t, b.AnnoData) {
		return false
	}
	for i := range a.Components {
		if !equalLabels(t, a.Components[i], b.Components[i]) {
			return false
		}
	}
	return true
}

func TestRoundTripKeepsRawJSON(t *testing.T) {
	f := parseFixture(t, "current__labels.json")
	path := filepath.Join(t.TempDir(), "a__labels.json")
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	g := parseFixture(t, "current__labels.json")
	data, _ := os.ReadFile(path)
	h := parseString(t, string(data))
	for i := range g.Labels {
		// Same keys, same order, same number literals.
		if a, b := compact(t, g.Labels[i].Raw), compact(t, h.Labels[i].Raw); a != b {
			t.Errorf("label %d JSON changed:\n%s\n%s", i, a, b)
		}
	}
	for _, lit := range []string{`4.50`, `6e1`, `"reviewer": "kept as is"`, `"tool_version": "0.3"`, `"anno_data": null`} {
		if !bytes.Contains(data, []byte(lit)) {
			t.Errorf("written file lost %s", lit)
		}
	}
}

func TestEditedLabelsAreRewritten(t *testing.T) {
	f := parseFixture(t, "current__labels.json")
	f.Labels[0].Class = "lake"
	f.Labels[0].Regions = f.Labels[0].Regions[:1]
	f.Labels[1].Box.Centre.X = 1.25
	f.Labels[4].Components[0].Class = "wall"
	f.Labels = append(f.Labels, Label{Type: TypePolygon, Class: "wall", AnnoData: json.RawMessage(`{}`), Regions: [][]Point{square(1, 2, 3, 4)}})
	var buf bytes.Buffer
	data, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(data)
	g := parseString(t, buf.String())
	if !equalFiles(t, f, g) {
		t.Fatal("edits were not written")
	}
	// Fields not edited keep their place and unknown keys stay.
	raw := compact(t, g.Labels[0].Raw)
	if !strings.Contains(raw, `"label_class":"lake","source":"manual"`) || !strings.Contains(raw, `"reviewer":"kept as is"`) {
		t.Errorf("edited polygon: %s", raw)
	}
	if got := compact(t, g.Labels[7].Raw); !strings.HasPrefix(got, `{"label_type":"polygon","object_id":null,"label_class":"wall","source":null,"anno_data":{},"regions":[[{"x":1,"y":2}`) {
		t.Errorf("new label: %s", got)
	}
}

func TestLegacyForms(t *testing.T) {
	f := parseFixture(t, "legacy_complete__labels.json")
	if !slices.Equal(f.CompletedTasks, []string{FinishedTask}) || f.ImageFilename != "old_tile.png" {
		t.Errorf("header %q %q", f.CompletedTasks, f.ImageFilename)
	}
	if !slices.Equal(f.Legacy, []string{LegacyComplete, LegacyIntegerIDs, LegacyVertices}) &&
		!sameSet(f.Legacy, []string{LegacyComplete, LegacyIntegerIDs, LegacyVertices}) {
		t.Errorf("legacy %v", f.Legacy)
	}
	if l := f.Labels[0]; l.ObjectID != "1" || len(l.Regions) != 1 || len(l.Regions[0]) != 4 {
		t.Errorf("polygon %+v", l)
	}
	data, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	out := string(data)
	for _, want := range []string{`"completed_tasks":["finished"]`, `"object_id":1,`, `"regions":[[{"x":2,"y":3}`, `"components":[1]`} {
		if !strings.Contains(out, want) {
			t.Errorf("written file lacks %s:\n%s", want, out)
		}
	}
	for _, gone := range []string{`"complete"`, `"vertices"`} {
		if strings.Contains(out, gone) {
			t.Errorf("written file still has %s:\n%s", gone, out)
		}
	}
	g := parseString(t, out)
	if !sameSet(g.Legacy, []string{LegacyIntegerIDs}) {
		t.Errorf("after writing, legacy %v", g.Legacy)
	}

	l := parseFixture(t, "legacy_list__labels.json")
	if !sameSet(l.Legacy, []string{LegacyBareList, LegacyVertices, LegacyIntegerIDs}) || len(l.Labels) != 2 || l.ImageFilename != "" ||
		len(l.CompletedTasks) != 0 || l.Labels[1].ObjectID != "" {
		t.Errorf("bare list %+v", l)
	}

	for _, tt := range []struct {
		js   string
		want []string
	}{
		{`{"complete": false, "labels": []}`, []string{}},
		{`{"complete": true, "completed_tasks": ["a"], "labels": []}`, []string{"a"}},
		{`{"completed_tasks": ["a"], "complete": true, "labels": []}`, []string{"a"}},
		{`{"labels": []}`, []string{}},
	} {
		if got := parseString(t, tt.js).CompletedTasks; !slices.Equal(got, tt.want) {
			t.Errorf("%s: completed tasks %q, want %q", tt.js, got, tt.want)
		}
	}
	// vertices wins over regions, as in django-labeller.
	both := parseString(t, `[{"label_type": "polygon", "label_class": "a", "vertices": [{"x": 1, "y": 1}], "regions": []}]`)
	if len(both.Labels[0].Regions) != 1 {
		t.Errorf("vertices and regions: %+v", both.Labels[0])
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestParseErrorsSayWhere(t *testing.T) {
	const path = "annotations/a__labels.json"
	tests := []struct{ js, want string }{
		{"{\n  \"labels\": [\n    {\"label_type\": \"polygon\",}\n  ]\n}", ":3:30: invalid character '}'"},
		{`{"labels": [`, ":1:12: unexpected end of JSON input"},
		{``, ":1:1: unexpected end of JSON input"},
		{`42`, ":1:1: a label file must be an object or a list, not a number"},
		{`  {"image_filename": "x"}`, ":1:3: a label file needs a \"labels\" list"},
		{`{"labels": {}}`, ":1:12: \"labels\" must be a list, not an object"},
		{"{\"labels\": [\n  7]}", ":2:3: a label must be an object, not a number"},
		{`{"labels": [{"label_class": "a"}]}`, ":1:13: label has no label_type"},
		{`{"labels": [{"label_type": 3}]}`, ":1:28: label_type must be a string, not a number"},
		{`{"labels": [{"label_type": "polygon"}]}`, ":1:13: polygon label has neither regions nor vertices"},
		{"{\"labels\": [{\"label_type\": \"polygon\", \"regions\": [[\n{\"x\": 1, \"y\": 2}, {\"x\": 1}]]}]}", ":2:19: vertex needs numbers x and y"},
		{"{\"labels\": [{\"label_type\": \"polygon\", \"regions\": [[\n{\"x\": \"1\", \"y\": 2}]]}]}", ":2:7: vertex: x must be a number, not a string"},
		{`{"labels": [{"label_type": "polygon", "regions": [{"x": 1}]}]}`, ":1:51: region must be a list of vertices, not an object"},
		{`{"labels": [{"label_type": "box", "centre": {"x": 1, "y": 1}}]}`, ":1:13: label has no size"},
		{`{"labels": [{"label_type": "oriented_ellipse", "centre": {"x": 1, "y": 1}, "radius1": "2"}]}`, ":1:87: radius1 must be a number, not a string"},
		{`{"labels": [{"label_type": "group", "component_models": [{"label_type": "point"}]}]}`, ":1:58: label has no position"},
		{`{"labels": [{"label_type": "point", "object_id": true}]}`, ":1:50: object_id must be a string, not true or false"},
		{`{"labels": [], "completed_tasks": "done"}`, ":1:35: completed_tasks: string where a list was expected"},
		{`{"labels": [{"label_type": "point", "position": {"x": 1e999, "y": 0}}]}`, ":1:55: position: x is out of range"},
		{`{"labels": [], "complete": "yes"}`, ":1:28: complete: string where true or false was expected"},
		{"{\"labels\": [],\n\"image_filename\": 4}", ":2:19: image_filename must be a string"},
	}
	for _, tt := range tests {
		_, err := ParseFile(strings.NewReader(tt.js), path)
		if err == nil {
			t.Errorf("%q: no error", tt.js)
			continue
		}
		var be *backend.Error
		if !errors.As(err, &be) || be.Code != backend.EINVALID {
			t.Errorf("%q: %v is not EINVALID", tt.js, err)
		}
		if msg := backend.ErrorMessage(err); !strings.HasPrefix(msg, path+tt.want) {
			t.Errorf("%q:\n got %s\nwant %s%s…", tt.js, msg, path, tt.want)
		}
	}
}

func TestWriteFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t__labels.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &File{ImageFilename: "t.png", Labels: []Label{{Type: TypePolygon, Class: "tree", Regions: [][]Point{square(0, 0, 2, 2)}}}}
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want the file alone", len(entries))
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("stat %v %v", st.Mode(), err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte("{\n  \"image_filename\": \"t.png\",\n  \"completed_tasks\": [],\n  \"labels\": [\n")) {
		t.Errorf("written:\n%s", data)
	}
	// A bad label leaves the old file and no temporary file behind.
	f.Labels[0].Regions[0][0].X = mathInf()
	if err := WriteFile(path, f); err == nil {
		t.Error("a non-finite vertex was written")
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x.json"), f); err == nil {
		t.Error("wrote into a missing folder")
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after failed writes", len(entries))
	}
}
