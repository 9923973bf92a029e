package images_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/store/storetest"
)

// The whole life of an image — imported by path and by upload, found a
// duplicate, tiled, dropped into input_images/ by hand and taken away
// again, deleted — on every database the tests have: PostgreSQL too when
// TESSERA_TEST_POSTGRES is set, whose text columns take no NUL (the
// lookups once bound one as a value that never matches).
func TestAnImagesLifeOnEveryDatabase(t *testing.T) {
	ctx := context.Background()
	for _, c := range storetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			fx := newFixtureOn(t, c.DSN)
			m := importPattern(t, fx, "cells.png", 300, 200)
			if err := fx.svc.TileImage(ctx, m.ID, nil); err != nil {
				t.Fatal(err)
			}
			if got, err := fx.db.FindImageByID(ctx, m.ID); err != nil || got.State != backend.ImageReady || got.TilesCount == 0 {
				t.Fatalf("tiled: %+v %v", got, err)
			}

			again := write(t, filepath.Join(t.TempDir(), "same.png"), func(f *os.File) error { return png.Encode(f, pattern(300, 200)) })
			res, err := fx.svc.ImportPaths(ctx, fx.project.ID, []string{again}, false)
			if err != nil || len(res.Duplicates) != 1 || res.Duplicates[0].ImageID != m.ID {
				t.Fatalf("the same content again: %+v %v", res, err)
			}

			var b bytes.Buffer
			png.Encode(&b, pattern(120, 80))
			res, err = fx.svc.ImportUpload(ctx, fx.project.ID, "cells.png", &b) // its name is taken
			if err != nil || len(res.Imported) != 1 || len(res.Failed) != 0 {
				t.Fatalf("upload: %+v %v", res, err)
			}
			if up := res.Imported[0]; up.File != "cells-2.png" || up.TilePrefix != "cells-2" {
				t.Fatalf("upload stored as %q, prefix %q", up.File, up.TilePrefix)
			}

			// Dropped into input_images/ by hand, then taken away.
			dropped := write(t, filepath.Join(fx.svc.Layout.InputImagesDir(fx.project.ID), "dropped.png"),
				func(f *os.File) error { return png.Encode(f, pattern(90, 90)) })
			fx.svc.FileAppeared(ctx, dropped)
			byFile := func(file string) *backend.Image {
				t.Helper()
				ms, err := fx.db.AllImages(ctx, fx.project.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range ms {
					if m.File == file {
						return m
					}
				}
				return nil
			}
			if d := byFile("dropped.png"); d == nil || d.State != backend.ImageQueued {
				t.Fatalf("dropped file: %+v", d)
			}
			fx.svc.FileAppeared(ctx, dropped) // seen again: already known
			if ms, _ := fx.db.AllImages(ctx, fx.project.ID); len(ms) != 3 {
				t.Fatalf("%d images after the watcher saw a file twice, want 3", len(ms))
			}
			os.Remove(dropped)
			fx.svc.FileRemoved(ctx, dropped)
			if d := byFile("dropped.png"); d == nil || d.State != backend.ImageMissing {
				t.Fatalf("removed file: %+v", d)
			}
			fx.svc.Rescan(ctx, fx.project.ID)

			if err := fx.svc.DeleteImage(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			if ms, _ := fx.db.AllImages(ctx, fx.project.ID); len(ms) != 2 {
				t.Fatalf("%d images after a deletion, want 2", len(ms))
			}
		})
	}
}

// Tile prefixes differ by more than case: Photo.png and photo.png (or
// Äpfel and äpfel) would write each other's tiles on a disk that ignores
// case (macOS, Windows).
func TestTilePrefixesDifferByMoreThanCase(t *testing.T) {
	for _, c := range storetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			fx := newFixtureOn(t, c.DSN)
			seen := map[string]string{}
			for i, name := range []string{"Photo.png", "photo.png", "PHOTO.png", "Äpfel.png", "äpfel.png"} {
				m := importPattern(t, fx, name, 50+i, 40)
				key := strings.ToLower(m.TilePrefix)
				if other, ok := seen[key]; ok {
					t.Fatalf("%s got tile prefix %q, the same but for case as %s's", name, m.TilePrefix, other)
				}
				seen[key] = name
			}
		})
	}
}
