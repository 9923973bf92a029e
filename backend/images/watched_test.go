package images_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/watch"
)

// TestDroppedFileIsImportedAndTiled copies a file into input_images/ by
// hand, as a person would, and waits for its tiles; then removes it and
// sees the image marked missing with its tiles kept.
func TestDroppedFileIsImportedAndTiled(t *testing.T) {
	fx := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	go fx.svc.Run(ctx)
	defer func() { cancel(); fx.svc.Wait() }()
	w, err := watch.New(func(p string) { fx.svc.FileAppeared(ctx, p) }, func(p string) { fx.svc.FileRemoved(ctx, p) })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Settle = 100 * time.Millisecond
	in := fx.svc.Layout.InputImagesDir(fx.project.ID)
	if err := w.Add(in); err != nil {
		t.Fatal(err)
	}

	// A slow copy that stalls longer than the settle time half way: the
	// first half may be taken for the whole file; the rest replaces it.
	var whole bytes.Buffer
	png.Encode(&whole, pattern(600, 600))
	dropped := filepath.Join(in, "field.png")
	if err := os.WriteFile(dropped, whole.Bytes()[:whole.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	f, err := os.OpenFile(dropped, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(whole.Bytes()[whole.Len()/2:])
	f.Close()
	ms := waitImage(t, fx, func(ms []*backend.Image) bool { return len(ms) == 1 && ms[0].State == backend.ImageReady })
	if ms[0].File != "field.png" || ms[0].TilesCount != 4 {
		t.Fatalf("image %+v", ms[0])
	}
	tiles, _ := filepath.Glob(filepath.Join(fx.svc.Layout.TilesDir(fx.project.ID), "field_r*_c*.png"))
	if len(tiles) != 4 {
		t.Fatalf("tiles on disk: %v", tiles)
	}
	// An import through Tessera is not imported a second time by the watcher.
	other := write(t, filepath.Join(t.TempDir(), "other.png"), func(f *os.File) error { return png.Encode(f, pattern(100, 100)) })
	if _, err := fx.svc.ImportPaths(ctx, fx.project.ID, []string{other}, true); err != nil {
		t.Fatal(err)
	}
	waitImage(t, fx, func(ms []*backend.Image) bool { return len(ms) == 2 && ms[0].State == backend.ImageReady })

	if err := os.Remove(dropped); err != nil {
		t.Fatal(err)
	}
	ms = waitImage(t, fx, func(ms []*backend.Image) bool {
		for _, m := range ms {
			if m.File == "field.png" {
				return m.State == backend.ImageMissing
			}
		}
		return false
	})
	tiles, _ = filepath.Glob(filepath.Join(fx.svc.Layout.TilesDir(fx.project.ID), "field_r*_c*.png"))
	if len(tiles) != 4 || len(ms) != 2 {
		t.Fatalf("after removal: %d tiles, %d images", len(tiles), len(ms))
	}
}

// At start, an image imported under a name the watcher would not take as
// an image's (a browser's photo.jfif) is still present, not missing; a link
// dropped into input_images/ that leads out of it is not imported.
func TestRescanKeepsEveryNameAndSkipsLinks(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	importPattern(t, fx, "photo.jfif", 64, 64)
	outside := write(t, filepath.Join(t.TempDir(), "secret.png"), func(f *os.File) error { return png.Encode(f, pattern(32, 32)) })
	if err := os.Symlink(outside, filepath.Join(fx.svc.Layout.InputImagesDir(fx.project.ID), "link.png")); err != nil {
		t.Fatal(err)
	}
	fx.svc.Rescan(ctx, fx.project.ID)
	fx.svc.FileAppeared(ctx, filepath.Join(fx.svc.Layout.InputImagesDir(fx.project.ID), "link.png")) // as the watcher would
	ms, err := fx.db.AllImages(ctx, fx.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].File != "photo.jfif" || ms[0].State == backend.ImageMissing {
		for _, m := range ms {
			t.Logf("image %s: %s", m.File, m.State)
		}
		t.Fatal("want photo.jfif alone, not missing")
	}
}

// Renaming an original inside input_images/ keeps the image (its tiles and
// labels) under the new name: not a missing image and a duplicate.
func TestRenamedOriginalIsTheSameImage(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	if err := fx.svc.TileImage(ctx, importPattern(t, fx, "a.png", 64, 64).ID, nil); err != nil {
		t.Fatal(err)
	}
	in := fx.svc.Layout.InputImagesDir(fx.project.ID)
	if err := os.Rename(filepath.Join(in, "a.png"), filepath.Join(in, "liver-01.png")); err != nil {
		t.Fatal(err)
	}
	fx.svc.FileRemoved(ctx, filepath.Join(in, "a.png")) // as the watcher reports a rename
	fx.svc.FileAppeared(ctx, filepath.Join(in, "liver-01.png"))
	fx.svc.Rescan(ctx, fx.project.ID) // and the next start agrees
	ms, _ := fx.db.AllImages(ctx, fx.project.ID)
	if len(ms) != 1 || ms[0].File != "liver-01.png" || ms[0].State != backend.ImageReady || ms[0].TilesCount == 0 {
		for _, m := range ms {
			t.Logf("image %s: %s, %d tiles", m.File, m.State, m.TilesCount)
		}
		t.Fatal("want the one image, ready, under its new name")
	}
}
