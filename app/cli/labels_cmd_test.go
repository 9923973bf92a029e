package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLabelsImportExport(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	run(t, data, "project", "create", "--name", "Slides")
	writePNG(t, filepath.Join(src, "cell.png"), 200, 100)
	if r := run(t, data, "import", "--project", "1", src); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	schema := filepath.Join(src, "schema.json")
	os.WriteFile(schema, []byte(`{"label_class_groups":[{"group_name":"g","group_classes":[{"name":"cell","human_name":"Cell","colours":{"default":[0,255,0]}}]}]}`), 0o644)
	os.WriteFile(filepath.Join(src, "cell__labels.json"), []byte(`{"image_filename":"cell.png","labels":[
	  {"label_type":"polygon","object_id":"1","label_class":"cell","vertices":[{"x":5,"y":5},{"x":50,"y":5},{"x":50,"y":50}]},
	  {"label_type":"polygon","object_id":"2","label_class":"ghost","regions":[[{"x":60,"y":5},{"x":90,"y":5},{"x":90,"y":50}]]}]}`), 0o644)
	os.WriteFile(filepath.Join(src, "nothing__labels.json"), []byte(`{"labels":[]}`), 0o644)

	r := run(t, data, "labels", "import", "--project", "1", "--schema", schema, src)
	if r.code != 2 {
		t.Fatalf("labels import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"imported 2 label(s) from " + filepath.Join(src, "cell__labels.json") + " onto image cell.png (1 tile(s))",
		`class "ghost" is not in the schema`,
		"failed: " + filepath.Join(src, "nothing__labels.json") + ": no image or tile of this project is named nothing",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	out := filepath.Join(t.TempDir(), "export")
	if r := run(t, data, "labels", "export", "--project", "1", "--format", "masks", "--per", "image", "--out", out); r.code != 0 ||
		!strings.Contains(r.stdout, "left out of masks") {
		t.Fatalf("export: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(out, "masks", "cell.png")); err != nil {
		t.Fatal(err)
	}
	if r := run(t, data, "labels", "export", "--project", "1", "--format", "yolo", "--out", out); r.code != 1 || !strings.Contains(r.stderr, `unknown export format "yolo"`) {
		t.Fatalf("bad format: %+v", r)
	}
}
