package training_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/store"
	"github.com/tessera-lab/tessera/backend/training"
)

func modelZip(t *testing.T, files map[string][]byte) *bytes.Reader {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}

// A model file imports as a completed job; one that is refused leaves no
// pipeline and no folder behind.
func TestImportModelRefusesBadFilesAndLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	layout := backend.Layout{Root: dir}
	p := &backend.Project{Name: "Cells"}
	if err := db.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	s := training.New(db, nil, nil, &dataset.Builder{Store: db, Layout: layout}, layout, nil)
	good := map[string][]byte{"models/model.json": []byte(`{"format":"x"}`), "models/best.bin": []byte("w"), "metrics.json": []byte(`{}`)}
	r := modelZip(t, good)
	j, err := s.ImportModel(ctx, "prof", p.ID, r, r.Size())
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(s.JobDir(j), "models", "best.bin")); err != nil || string(b) != "w" {
		t.Fatalf("imported weights: %q %v", b, err)
	}
	for name, files := range map[string]map[string][]byte{
		"an entry a model file does not have": {"models/model.json": []byte(`{}`), "images/a.png": []byte("x")},
		"no models/model.json":                {"models/best.bin": []byte("w")},
		"a JSON file over its limit":          {"models/model.json": make([]byte, 17<<20)},
	} {
		r := modelZip(t, files)
		if _, err := s.ImportModel(ctx, "prof", p.ID, r, r.Size()); err == nil {
			t.Errorf("%s: imported", name)
		}
	}
	pls, err := db.FindPipelines(ctx, p.ID)
	if err != nil || len(pls) != 1 {
		t.Fatalf("%d pipelines after one good and three refused imports, want 1 (%v)", len(pls), err)
	}
	all, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(s.JobDir(j))), "*"))
	if len(all) != 1 {
		t.Fatalf("pipeline folders %q, want only the good import's", all)
	}
}
