package labels

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

func parseSchemaFile(t *testing.T, path string) Schema {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	s, err := ParseSchema(fh)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchemaOrderAndRoundTrip(t *testing.T) {
	paths := []string{filepath.Join("testdata", "schema.json")}
	if dir, ok := referenceDir(); ok {
		paths = append(paths, filepath.Join(dir, "schema.json"))
	}
	for _, path := range paths {
		s := parseSchemaFile(t, path)
		var names []string
		for _, c := range s.Classes() {
			names = append(names, c.Name)
		}
		for i, n := range names {
			if idx, ok := s.ClassIndex(n); !ok || idx != i+1 {
				t.Errorf("%s: ClassIndex(%q) = %d, %v; want %d", path, n, idx, ok, i+1)
			}
		}
		if _, ok := s.ClassIndex("nope"); ok {
			t.Errorf("%s: ClassIndex found a missing class", path)
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseSchema(strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s, again) {
			t.Errorf("%s: round trip changed the schema:\n%+v\n%+v", path, s, again)
		}
		t.Logf("%s: classes %v", filepath.Base(filepath.Dir(path)), names)
	}
	s := parseSchemaFile(t, filepath.Join("testdata", "schema.json"))
	if got := strings.Join(classNames(s), ","); got != "tree,lake,flower,wall" || s.Name != "classroom" || len(s.ColourSchemes) != 2 {
		t.Errorf("schema %+v", s)
	}
	if c := s.Classes()[2]; c.Colour("natural") != [3]uint8{255, 96, 192} || s.Classes()[0].Colour("artificial") != [3]uint8{128, 128, 128} {
		t.Errorf("colours of %+v", c)
	}
}

func classNames(s Schema) []string {
	var names []string
	for _, c := range s.Classes() {
		names = append(names, c.Name)
	}
	return names
}

func TestSchemaLegacyForms(t *testing.T) {
	s, err := ParseSchema(strings.NewReader(`[
		{"name": "a", "human_name": "A", "colour": [1, 2, 3]},
		{"group_name": "G", "group_classes": [{"name": "b", "human_name": "B", "colours": {"default": [4, 5, 6.0]}}]},
		{"name": "c", "human_name": "C", "colour": {"default": [7, 8, 9]}}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(classNames(s), ","); got != "a,b,c" || len(s.Groups) != 3 || s.Groups[1].Name != "G" {
		t.Fatalf("schema %+v", s)
	}
	if s.Classes()[0].Colours["default"] != [3]uint8{1, 2, 3} || s.Classes()[2].Colour("x") != [3]uint8{7, 8, 9} {
		t.Errorf("colours %+v", s.Classes())
	}
}

func TestSchemaErrors(t *testing.T) {
	for _, tt := range []struct{ js, want string }{
		{`{"colour_schemes": [], "label_class_groups": [{"group_name": "G", "group_classes": [{"name": "a"}, {"name": "a"}]}]}`, `class "a" is in group "G" and again`},
		{`{"label_class_groups": [{"group_name": "G", "group_classes": [{"name": ""}]}]}`, "has no name"},
		{`{"label_class_groups": [{"group_name": "G", "group_classes": [{"name": "a", "colours": {"default": [0, 256, 0]}}]}]}`, "not a whole number in 0-255"},
		{`{"label_class_groups": [{"group_name": "G", "group_classes": [{"name": "a", "colours": {"default": [0, -1, 0]}}]}]}`, "not a whole number in 0-255"},
		{`{"label_class_groups": [{"group_name": "G", "group_classes": [{"name": "a", "colours": {"default": [0, 1]}}]}]}`, "must be [r, g, b]"},
		{`{"colour_schemes": [{"name": "n"}, {"name": "n"}], "label_class_groups": []}`, `colour scheme "n" is defined twice`},
		{"{\n  \"label_class_groups\": [,]}", "schema:2:26: invalid character ','"},
	} {
		_, err := ParseSchema(strings.NewReader(tt.js))
		if err == nil || backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(backend.ErrorMessage(err), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.js, err, tt.want)
		}
	}
	var many Schema
	many.Groups = []Group{{Name: "G"}}
	for i := 0; i < MaxClasses+1; i++ {
		many.Groups[0].Classes = append(many.Groups[0].Classes, Class{Name: "c" + itoa(i)})
	}
	if err := many.Validate(); err == nil {
		t.Error("more classes than a mask holds were accepted")
	}
}
