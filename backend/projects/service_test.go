package projects_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
)

type recorder struct {
	mu     sync.Mutex
	events []backend.Event
}

func (r *recorder) Emit(e backend.Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }

func newService(t *testing.T) (*projects.Service, *recorder) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rec := &recorder{}
	return &projects.Service{Store: db, Layout: backend.Layout{Root: dir}, Emitter: rec}, rec
}

func TestProjectFoldersFollowTheSpec(t *testing.T) {
	ctx := context.Background()
	s, rec := newService(t)
	p := &backend.Project{Name: "  Cells 101  "}
	if err := s.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "Cells 101" {
		t.Fatalf("name not trimmed: %q", p.Name)
	}
	for _, sub := range []string{"input_images", "tiles", "annotations", "ml/pipelines"} {
		fi, err := os.Stat(filepath.Join(s.Layout.Root, "projects", "project-1", sub))
		if err != nil || !fi.IsDir() {
			t.Fatalf("%s: %v", sub, err)
		}
	}
	name := "Cells 102"
	if _, err := s.UpdateProject(ctx, p.ID, backend.ProjectUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Layout.ProjectDir(p.ID)); !os.IsNotExist(err) {
		t.Fatalf("project folder still there: %v", err)
	}
	var types []string
	for _, e := range rec.events {
		types = append(types, e.Type)
		if e.ProjectID != p.ID {
			t.Errorf("event %s for project %d", e.Type, e.ProjectID)
		}
	}
	want := []string{backend.EventProjectCreated, backend.EventProjectUpdated, backend.EventProjectDeleted}
	if len(types) != 3 || types[0] != want[0] || types[1] != want[1] || types[2] != want[2] {
		t.Fatalf("events = %v, want %v", types, want)
	}
}

func TestCreateRefusesBadInputAndKeepsNothing(t *testing.T) {
	ctx := context.Background()
	s, rec := newService(t)
	for _, p := range []*backend.Project{{Name: ""}, {Name: "ok", Description: string(make([]byte, 5000))},
		{Name: "nul", Description: "a\x00b"}, {Name: "nul\x00"}} {
		if err := s.CreateProject(ctx, p); backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("%q: err = %v, want invalid", p.Name, err)
		}
	}
	// A file where the projects folder should be makes the folders fail:
	// the row must not stay behind.
	if err := os.WriteFile(filepath.Join(s.Layout.Root, "projects"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProject(ctx, &backend.Project{Name: "doomed"}); err == nil {
		t.Fatal("create succeeded without its folder")
	}
	if ps, _ := s.FindProjects(ctx); len(ps) != 0 {
		t.Fatalf("half-made project kept: %+v", ps)
	}
	if len(rec.events) != 0 {
		t.Fatalf("events for failed creates: %+v", rec.events)
	}
}

// A project may raise its pixel limit up to a ceiling (images are decoded
// whole), not past it.
func TestPixelLimitHasACeiling(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	p := &backend.Project{Name: "Slides"}
	if err := s.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{-1, backend.MaxProjectPixels + 1, 40_000_000_000} {
		if _, err := s.UpdateProject(ctx, p.ID, backend.ProjectUpdate{MaxPixels: &n}); backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("max_pixels %d: %v, want invalid", n, err)
		}
	}
	n := int64(backend.MaxProjectPixels)
	if got, err := s.UpdateProject(ctx, p.ID, backend.ProjectUpdate{MaxPixels: &n}); err != nil || got.MaxPixels != n {
		t.Fatalf("max_pixels at the ceiling: %+v %v", got, err)
	}
}

// A description with NUL is refused (PostgreSQL cannot store it), and the
// tile size is checked against the overlap the project has, when only one
// of them changes.
func TestUpdateRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	p := &backend.Project{Name: "Slides"}
	if err := s.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	desc := "a\x00b"
	if _, err := s.UpdateProject(ctx, p.ID, backend.ProjectUpdate{Description: &desc}); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("description with NUL: %v, want invalid", err)
	}
	overlap, size := 100, 128
	if _, err := s.UpdateProject(ctx, p.ID, backend.ProjectUpdate{TileOverlap: &overlap}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateProject(ctx, p.ID, backend.ProjectUpdate{TileSize: &size}); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("tile size %d with overlap %d: %v, want invalid", size, overlap, err)
	}
	if got, _ := s.FindProjectByID(ctx, p.ID); got.TileSize != backend.DefaultTileSize || got.TileOverlap != overlap {
		t.Fatalf("stored %d px with %d overlap", got.TileSize, got.TileOverlap)
	}
}
