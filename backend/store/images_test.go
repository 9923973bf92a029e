package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/store"
)

// newImage records a queued image of project p named name.
func newImage(t *testing.T, db *store.DB, p *backend.Project, name string) *backend.Image {
	t.Helper()
	m := &backend.Image{ProjectID: p.ID, Name: name + ".png", File: name + ".png", Format: "png", Width: 100, Height: 100,
		SHA256: "sha-" + name, TilePrefix: name, TileSize: 50, State: backend.ImageQueued}
	if err := db.CreateImage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// grid is an image's n × n tiles.
func grid(m *backend.Image, n int) []backend.Tile {
	var ts []backend.Tile
	for r := range n {
		for c := range n {
			ts = append(ts, backend.Tile{ImageID: m.ID, Row: r, Col: c, X: c * 10, Y: r * 10, Width: 10, Height: 10,
				Name: fmt.Sprintf("%s_r%03d_c%03d.png", m.TilePrefix, r, c)})
		}
	}
	return ts
}

// label saves a label of every tile, with time spent.
func label(t *testing.T, db *store.DB, p *backend.Project, m *backend.Image, ts []backend.Tile, who string) {
	t.Helper()
	for _, tl := range ts {
		if _, err := db.SaveAnnotation(context.Background(), &backend.Annotation{ProjectID: p.ID, TileName: tl.Name, ImageID: m.ID,
			Labels: 1, Classes: "{}", EditedBy: who}, 0, 2); err != nil {
			t.Fatal(err)
		}
	}
}

// An image tiled again into fewer tiles keeps no annotation records of
// tiles it no longer has (progress would count more tiles than there are);
// an image deleted leaves no time spent on its tiles behind. Another
// image's records stay.
func TestAnImagesRecordsGoWithItsTiles(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		p := &backend.Project{Name: "Labels"}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		a, b := newImage(t, db, p, "a"), newImage(t, db, p, "b")
		if err := db.FinishTiling(ctx, a, grid(a, 2)); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishTiling(ctx, b, grid(b, 1)); err != nil {
			t.Fatal(err)
		}
		label(t, db, p, a, grid(a, 2), "ada")
		label(t, db, p, b, grid(b, 1), "ada")

		if err := db.FinishTiling(ctx, a, grid(a, 1)); err != nil { // a larger tile size: one tile
			t.Fatal(err)
		}
		as, err := db.FindAnnotations(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 || as[0].TileName != "a_r000_c000.png" || as[1].TileName != "b_r000_c000.png" {
			t.Fatalf("annotations after tiling again: %+v", as)
		}
		if us, _ := db.AnnotationTime(ctx, p.ID); len(us) != 1 || us[0].Tiles != 2 {
			t.Fatalf("time spent after tiling again: %+v", us)
		}

		if err := db.DeleteImage(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if us, _ := db.AnnotationTime(ctx, p.ID); len(us) != 1 || us[0].Tiles != 1 || us[0].Seconds != 2 {
			t.Fatalf("time spent after a deletion: %+v, want b's tile's alone", us)
		}
		if n, _ := db.CountRows(ctx, "annotation_time"); n != 1 {
			t.Fatalf("%d annotation_time rows, want 1", n)
		}
		if err := db.DeleteImage(ctx, a.ID); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("second deletion: %v", err)
		}
	})
}

// A tile prefix differing only in case from one in use is taken (their
// tiles would be the same files on macOS or Windows), whatever the letters.
func TestTilePrefixTakenIgnoresCase(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		p := &backend.Project{Name: "Prefixes"}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		newImage(t, db, p, "Photo")
		newImage(t, db, p, "Äpfel")
		for prefix, want := range map[string]bool{"Photo": true, "photo": true, "PHOTO": true, "äpfel": true, "ÄPFEL": true,
			"photos": false, "apfel": false, "phot": false} {
			if got, err := db.TilePrefixTaken(ctx, p.ID, prefix); err != nil || got != want {
				t.Errorf("TilePrefixTaken(%q) = %v, %v; want %v", prefix, got, err, want)
			}
		}
	})
}
