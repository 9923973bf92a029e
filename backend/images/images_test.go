package images_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/images"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
)

type events struct {
	mu   sync.Mutex
	list []backend.Event
}

func (e *events) Emit(ev backend.Event) { e.mu.Lock(); e.list = append(e.list, ev); e.mu.Unlock() }

func (e *events) count(typ string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.list {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

type fixture struct {
	svc      *images.Service
	db       *store.DB
	projects *projects.Service
	project  *backend.Project
	events   *events
	dir      string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, filepath.Join(t.TempDir(), "tessera.db"))
}

// newFixtureOn is newFixture on the database dsn (storetest.Databases).
func newFixtureOn(t *testing.T, dsn string) *fixture {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ev := &events{}
	layout := backend.Layout{Root: dir}
	ps := &projects.Service{Store: db, Layout: layout}
	p := &backend.Project{Name: "Slides"}
	if err := ps.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	svc := images.New(db, layout, ev)
	svc.ProgressEvery = 0
	ps.StopWork = svc.StopProject // as the app wires it
	return &fixture{svc: svc, db: db, projects: ps, project: p, events: ev, dir: dir}
}

// pattern is an image whose every pixel differs from its neighbours, so a
// shifted crop cannot pass for the right one.
func pattern(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 7), uint8(y * 13), uint8(x*3 + y*5), 255})
		}
	}
	return img
}

func pattern16(w, h int) *image.Gray16 {
	img := image.NewGray16(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetGray16(x, y, color.Gray16{uint16(1000 + x*37 + y*11)})
		}
	}
	return img
}

func write(t *testing.T, path string, enc func(*os.File) error) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// lyingTIFF says it is 20000 × 20000 grey pixels but holds 64 bytes.
func lyingTIFF() []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	entries := [][3]uint32{ // tag, type (3 short, 4 long), value
		{256, 4, 20000}, {257, 4, 20000}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 8 + 2 + 9*12 + 4}, {277, 3, 1}, {278, 4, 20000}, {279, 4, 64},
	}
	binary.Write(&b, le, uint16(len(entries)))
	for _, e := range entries {
		binary.Write(&b, le, uint16(e[0]))
		binary.Write(&b, le, uint16(e[1]))
		binary.Write(&b, le, uint32(1))
		if e[1] == 3 {
			binary.Write(&b, le, uint16(e[2]))
			binary.Write(&b, le, uint16(0))
		} else {
			binary.Write(&b, le, e[2])
		}
	}
	binary.Write(&b, le, uint32(0))
	b.Write(make([]byte, 64))
	return b.Bytes()
}

// sampleFolder writes one file of every supported format and every kind of
// bad input; it returns the folder.
func sampleFolder(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "from the microscope")
	os.MkdirAll(filepath.Join(dir, "day 2"), 0o755)
	os.MkdirAll(filepath.Join(dir, ".hidden"), 0o755)
	img := pattern(700, 530)
	write(t, filepath.Join(dir, "rgb.png"), func(f *os.File) error { return png.Encode(f, img) })
	write(t, filepath.Join(dir, "deep.png"), func(f *os.File) error { return png.Encode(f, pattern16(600, 300)) })
	write(t, filepath.Join(dir, "photo.jpg"), func(f *os.File) error { return jpeg.Encode(f, pattern(640, 480), &jpeg.Options{Quality: 90}) })
	write(t, filepath.Join(dir, "day 2", "scan.tif"), func(f *os.File) error { return tiff.Encode(f, pattern(520, 520), nil) })
	write(t, filepath.Join(dir, "day 2", "scan16.tiff"), func(f *os.File) error { return tiff.Encode(f, pattern16(300, 200), nil) })
	write(t, filepath.Join(dir, "old.bmp"), func(f *os.File) error { return bmp.Encode(f, pattern(200, 100)) })
	// The same content as rgb.png under another name.
	raw, _ := os.ReadFile(filepath.Join(dir, "rgb.png"))
	os.WriteFile(filepath.Join(dir, "copy of rgb.png"), raw, 0o644)
	// A JPEG cut off half way.
	var jb bytes.Buffer
	jpeg.Encode(&jb, pattern(400, 400), nil)
	os.WriteFile(filepath.Join(dir, "truncated.jpg"), jb.Bytes()[:jb.Len()/2], 0o644)
	os.WriteFile(filepath.Join(dir, "liar.tif"), lyingTIFF(), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.png"), []byte("these are my notes, not a picture\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("skipped: not an image name"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden", "secret.png"), raw, 0o644)
	return dir
}

func TestImportFolderOfEveryKind(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	dir := sampleFolder(t)
	res, err := fx.svc.ImportPaths(ctx, fx.project.ID, []string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}

	// The copy sorts first, so it is the one imported; rgb.png is its duplicate.
	var imported []string
	for _, m := range res.Imported {
		imported = append(imported, m.Name)
		if m.State != backend.ImageQueued {
			t.Errorf("%s: state %s, want queued", m.Name, m.State)
		}
	}
	sort.Strings(imported)
	want := []string{"copy of rgb.png", "deep.png", "old.bmp", "photo.jpg", "scan.tif", "scan16.tiff", "truncated.jpg"}
	if strings.Join(imported, ",") != strings.Join(want, ",") {
		t.Fatalf("imported %v, want %v", imported, want)
	}
	if len(res.Duplicates) != 1 || filepath.Base(res.Duplicates[0].Path) != "rgb.png" {
		t.Fatalf("duplicates = %+v", res.Duplicates)
	}
	failed := map[string]string{}
	for _, f := range res.Failed {
		failed[filepath.Base(f.Path)] = f.Error
	}
	// Refused on their headers, before anything was copied.
	if len(failed) != 2 || !strings.Contains(failed["notes.png"], "not an image") || failed["liar.tif"] == "" {
		t.Fatalf("failed = %v", failed)
	}
	t.Logf("liar.tif: %s", failed["liar.tif"])

	// Every original was copied unchanged; nothing else landed there.
	entries, _ := os.ReadDir(fx.svc.Layout.InputImagesDir(fx.project.ID))
	if len(entries) != len(want) {
		t.Fatalf("input_images holds %d files, want %d", len(entries), len(want))
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "day 2", "scan16.tiff"))
	copied, _ := os.ReadFile(filepath.Join(fx.svc.Layout.InputImagesDir(fx.project.ID), "scan16.tiff"))
	if !bytes.Equal(orig, copied) {
		t.Fatal("the original was altered on its way in")
	}

	// Tiling: the truncated JPEG's header is whole, so it is found out when
	// decoded — it fails alone, with its reason stored; the rest are ready.
	for _, m := range res.Imported {
		err := fx.svc.TileImage(ctx, m.ID, nil)
		got, _ := fx.db.FindImageByID(ctx, m.ID)
		if m.Name == "truncated.jpg" {
			if err == nil || got.State != backend.ImageFailed || got.Error == "" {
				t.Fatalf("truncated JPEG: err %v, state %s, reason %q", err, got.State, got.Error)
			}
			t.Logf("truncated.jpg: %s", got.Error)
			continue
		}
		if err != nil || got.State != backend.ImageReady || got.TilesCount == 0 {
			t.Fatalf("%s: err %v, state %s, %d tiles", m.Name, err, got.State, got.TilesCount)
		}
		if (m.Name == "deep.png" || m.Name == "scan16.tiff") && (got.BitDepth != 16 || got.Stretch == "") {
			t.Errorf("%s: bit depth %d, stretch %q", m.Name, got.BitDepth, got.Stretch)
		}
	}

	// Re-importing the whole folder is a no-op.
	again, err := fx.svc.ImportPaths(ctx, fx.project.ID, []string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Imported) != 0 || len(again.Duplicates) != len(want)+1 {
		t.Fatalf("second import: %d imported, %d duplicates", len(again.Imported), len(again.Duplicates))
	}
}

// TestTilesArePixelExactCrops compares every tile with the original.
func TestTilesArePixelExactCrops(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	size, overlap := 256, 32
	if _, err := fx.db.UpdateProject(ctx, fx.project.ID, backend.ProjectUpdate{TileSize: &size, TileOverlap: &overlap}); err != nil {
		t.Fatal(err)
	}
	src := pattern(700, 530)
	path := write(t, filepath.Join(t.TempDir(), "cells.png"), func(f *os.File) error { return png.Encode(f, src) })
	res, err := fx.svc.ImportPaths(ctx, fx.project.ID, []string{path}, false)
	if err != nil || len(res.Imported) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	id := res.Imported[0].ID
	var reports int
	if err := fx.svc.TileImage(ctx, id, func(done, total int) { reports++ }); err != nil {
		t.Fatal(err)
	}
	m, _ := fx.db.FindImageByID(ctx, id)
	// stride 224: columns at 0, 224, 448 (448+256 >= 700); rows at 0, 224 (224+256 < 530) and 448.
	if m.State != backend.ImageReady || m.TilesCount != 9 || m.Pyramid == nil {
		t.Fatalf("image after tiling: %+v", m)
	}
	if reports == 0 || fx.events.count(backend.EventImageProgress) == 0 {
		t.Fatal("no tiling progress reported")
	}
	tiles, total, err := fx.db.FindTiles(ctx, id, 0, 100)
	if err != nil || total != 9 {
		t.Fatalf("tiles: %d %v", total, err)
	}
	for _, tl := range tiles {
		f, err := os.Open(fx.svc.TilePath(fx.project.ID, tl))
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds().Dx() != tl.Width || got.Bounds().Dy() != tl.Height {
			t.Fatalf("tile %s is %v, row says %d×%d", tl.Name, got.Bounds(), tl.Width, tl.Height)
		}
		for y := 0; y < tl.Height; y++ {
			for x := 0; x < tl.Width; x++ {
				g := color.NRGBAModel.Convert(got.At(got.Bounds().Min.X+x, got.Bounds().Min.Y+y))
				w := src.At(tl.X+x, tl.Y+y)
				if g != w {
					t.Fatalf("tile %s pixel (%d,%d) = %v, original (%d,%d) = %v", tl.Name, x, y, g, tl.X+x, tl.Y+y, w)
				}
			}
		}
		if !strings.HasPrefix(tl.Name, "cells_r") {
			t.Errorf("tile name %q", tl.Name)
		}
	}
	last := tiles[len(tiles)-1]
	if last.X != 448 || last.Y != 448 || last.Width != 252 || last.Height != 82 {
		t.Fatalf("edge tile %+v: want partial 252×82 at (448,448)", last)
	}
	if _, err := os.Stat(fx.svc.ThumbnailPath(m)); err != nil {
		t.Fatalf("thumbnail: %v", err)
	}
}

func TestOversizedImageIsRefusedWithLimitAndSize(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	maxPx := int64(100 * 100)
	if _, err := fx.db.UpdateProject(ctx, fx.project.ID, backend.ProjectUpdate{MaxPixels: &maxPx}); err != nil {
		t.Fatal(err)
	}
	path := write(t, filepath.Join(t.TempDir(), "big.png"), func(f *os.File) error { return png.Encode(f, pattern(300, 200)) })
	res, err := fx.svc.ImportPaths(ctx, fx.project.ID, []string{path}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Error, "300") || !strings.Contains(res.Failed[0].Error, "limit") {
		t.Fatalf("result %+v", res)
	}
	entries, _ := os.ReadDir(fx.svc.Layout.InputImagesDir(fx.project.ID))
	if len(entries) != 0 {
		t.Fatalf("an oversized file was copied: %v", entries)
	}
}

func TestUploadStreamsIntoTheProject(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	var b bytes.Buffer
	png.Encode(&b, pattern(64, 64))
	res, err := fx.svc.ImportUpload(ctx, fx.project.ID, `..\..\evil/../x.png`, bytes.NewReader(b.Bytes()))
	if err != nil || len(res.Imported) != 1 {
		t.Fatalf("upload: %+v %v", res, err)
	}
	m := res.Imported[0]
	if m.File != "x.png" || filepath.Dir(fx.svc.OriginalPath(m)) != fx.svc.Layout.InputImagesDir(fx.project.ID) {
		t.Fatalf("uploaded file landed as %q", m.File)
	}
	// Over-long names are cut to 200 bytes of whole characters; an
	// over-long "extension" is not kept (it once cut past the name's start).
	for i, c := range []struct{ name, suffix string }{
		{"a." + strings.Repeat("x", 250), ""},
		{strings.Repeat("é", 150) + ".png", ".png"},
		{strings.Repeat("b", 300) + ".tiff.png", ".png"},
	} {
		var img bytes.Buffer
		png.Encode(&img, pattern(60+i, 60)) // each its own content
		name := c.name
		res, err := fx.svc.ImportUpload(ctx, fx.project.ID, name, &img)
		if err != nil || len(res.Imported) != 1 {
			t.Fatalf("upload %.20q…: %+v %v", name, res, err)
		}
		if got := res.Imported[0].File; len(got) > 200 || !utf8.ValidString(got) || !strings.HasSuffix(got, c.suffix) {
			t.Errorf("upload %.20q… stored as %q (%d bytes)", name, got, len(got))
		}
	}
	fx.svc.Limits.MaxBytes = 100
	res, err = fx.svc.ImportUpload(ctx, fx.project.ID, "y.png", bytes.NewReader(b.Bytes()))
	if err != nil || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Error, "larger than the limit") {
		t.Fatalf("oversized upload: %+v %v", res, err)
	}
}

// importPattern writes a w × h pattern PNG named name and imports it
// (not queued for tiling): the one image imported.
func importPattern(t *testing.T, fx *fixture, name string, w, h int) *backend.Image {
	t.Helper()
	path := write(t, filepath.Join(t.TempDir(), name), func(f *os.File) error { return png.Encode(f, pattern(w, h)) })
	res, err := fx.svc.ImportPaths(context.Background(), fx.project.ID, []string{path}, false)
	if err != nil || len(res.Imported) != 1 {
		t.Fatalf("import %s: %+v %v", name, res, err)
	}
	return res.Imported[0]
}

func waitImage(t *testing.T, fx *fixture, cond func([]*backend.Image) bool) []*backend.Image {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ms, _, err := fx.db.FindImages(context.Background(), fx.project.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if cond(ms) {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out; images: %+v", ms)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestRunTilesQueuedAndLeftoverImages: what a closed app left queued is
// tiled when the tiler starts again.
func TestRunTilesQueuedAndLeftoverImages(t *testing.T) {
	fx := newFixture(t)
	path := write(t, filepath.Join(t.TempDir(), "a.png"), func(f *os.File) error { return png.Encode(f, pattern(300, 300)) })
	res, err := fx.svc.ImportPaths(context.Background(), fx.project.ID, []string{path}, false) // not queued: as if the app closed
	if err != nil || len(res.Imported) != 1 {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go fx.svc.Run(ctx)
	defer func() { cancel(); fx.svc.Wait() }()
	waitImage(t, fx, func(ms []*backend.Image) bool { return len(ms) == 1 && ms[0].State == backend.ImageReady })
	path2 := write(t, filepath.Join(t.TempDir(), "b.png"), func(f *os.File) error { return png.Encode(f, pattern(100, 90)) })
	if _, err := fx.svc.ImportPaths(context.Background(), fx.project.ID, []string{path2}, true); err != nil {
		t.Fatal(err)
	}
	waitImage(t, fx, func(ms []*backend.Image) bool {
		return len(ms) == 2 && ms[0].State == backend.ImageReady && ms[1].State == backend.ImageReady
	})
}

// An image the app died tiling (still "tiling" at the next start) fails
// with the reason instead of being tiled again, which would take the app
// down at every start; it can be tried again. One whose tiling a closing
// app stopped is queued again.
func TestAnImageTheAppDiedTilingFailsAndCanBeRetried(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	id := importPattern(t, fx, "a.png", 300, 300).ID

	// A closing app stops the tiling: queued again.
	stopping, stop := context.WithCancel(ctx)
	if err := fx.svc.TileImage(stopping, id, func(int, int) { stop() }); err == nil {
		t.Fatal("a stopped tiling said it finished")
	}
	if m, _ := fx.db.FindImageByID(ctx, id); m.State != backend.ImageQueued {
		t.Fatalf("after a stop the image is %s, want queued", m.State)
	}

	// The app died tiling it.
	if err := fx.db.SetImageState(ctx, id, backend.ImageTiling, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.svc.RetryImage(ctx, id); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("retrying an image that did not fail: %v", err)
	}
	run, cancel := context.WithCancel(ctx)
	go fx.svc.Run(run)
	defer func() { cancel(); fx.svc.Wait() }()
	ms := waitImage(t, fx, func(ms []*backend.Image) bool { return len(ms) == 1 && ms[0].State == backend.ImageFailed })
	if !strings.Contains(ms[0].Error, "stopped while tiling") {
		t.Fatalf("reason %q", ms[0].Error)
	}
	if m, err := fx.svc.RetryImage(ctx, id); err != nil || m.State != backend.ImageQueued {
		t.Fatalf("retry: %+v %v", m, err)
	}
	waitImage(t, fx, func(ms []*backend.Image) bool { return len(ms) == 1 && ms[0].State == backend.ImageReady })
}

// TestProgressCountsTilesAndPyramid: the last report says done == total,
// and the total counts the viewer's pyramid as well as the tiles.
func TestProgressCountsTilesAndPyramid(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	m := importPattern(t, fx, "p.png", 3000, 20)
	var lastDone, lastTotal int
	if err := fx.svc.TileImage(ctx, m.ID, func(d, tot int) { lastDone, lastTotal = d, tot }); err != nil {
		t.Fatal(err)
	}
	// 6 tiles of 512; pyramid levels 0…12 of 256-px tiles: 12 columns at
	// full size, then 6, 3, 2, and one tile for each of the 9 smaller levels.
	if want := 6 + 12 + 6 + 3 + 2 + 9; lastDone != want || lastTotal != want {
		t.Fatalf("last progress %d/%d, want %d/%d", lastDone, lastTotal, want, want)
	}
}

// A class uploading photos all named image.png at once: every one is
// imported under its own name and tile prefix; only the same content twice
// is a duplicate.
func TestConcurrentUploadsOfOneNameAllLand(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	const n = 12
	var wg sync.WaitGroup
	results := make([]*backend.ImportResult, n+1)
	errs := make([]error, n+1)
	for i := range n + 1 {
		var b bytes.Buffer
		png.Encode(&b, pattern(40+i%n, 40)) // the last one has the first one's content
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = fx.svc.ImportUpload(ctx, fx.project.ID, "image.png", &b)
		}()
	}
	wg.Wait()
	imported, dups := 0, 0
	for i := range n + 1 {
		if errs[i] != nil || len(results[i].Failed) > 0 {
			t.Fatalf("upload %d: %+v %v", i, results[i], errs[i])
		}
		imported += len(results[i].Imported)
		for _, d := range results[i].Duplicates {
			if d.ImageID == 0 {
				t.Errorf("upload %d: a duplicate of image 0", i)
			}
			dups++
		}
	}
	ms, _ := fx.db.AllImages(ctx, fx.project.ID)
	files, prefixes := map[string]bool{}, map[string]bool{}
	for _, m := range ms {
		files[m.File], prefixes[m.TilePrefix] = true, true
	}
	if imported != n || dups != 1 || len(ms) != n || len(files) != n || len(prefixes) != n {
		t.Fatalf("%d imported, %d duplicates, %d images, %d files, %d prefixes; want %d, 1, and %d of each",
			imported, dups, len(ms), len(files), len(prefixes), n, n)
	}
}

// Deleting an image while it is being tiled stops the tiling first: no
// tile, pyramid or viewer file is left behind, and no update of the image
// follows its deletion (the card would come back).
func TestDeleteWhileTilingLeavesNothing(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	m := importPattern(t, fx, "big.png", 3000, 2000)
	tiled := tileInBackground(ctx, fx, m)
	if err := fx.svc.DeleteImage(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	<-tiled
	left, _ := filepath.Glob(filepath.Join(fx.svc.Layout.TilesDir(fx.project.ID), "*"))
	if len(left) != 0 {
		t.Errorf("tiles left: %v", left)
	}
	if _, err := os.Stat(fx.svc.ViewerDir(m)); !os.IsNotExist(err) {
		t.Errorf("the viewer folder is still there: %v", err)
	}
	fx.events.mu.Lock()
	defer fx.events.mu.Unlock()
	deletedAt := -1
	for i, ev := range fx.events.list {
		if ev.Type == backend.EventImageDeleted {
			deletedAt = i
		}
		if deletedAt >= 0 && i > deletedAt && ev.Type == backend.EventImageUpdated {
			t.Errorf("an image.updated after image.deleted: %+v", ev.Data)
		}
	}
	if deletedAt < 0 {
		t.Error("no image.deleted event")
	}
}

// Deleting a project while one of its images is being tiled stops the
// tiling before the folder goes: nothing writes the folder back.
func TestDeletingAProjectStopsItsTilings(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	m := importPattern(t, fx, "big.png", 3000, 2000)
	tiled := tileInBackground(ctx, fx, m)
	if err := fx.projects.DeleteProject(ctx, fx.project.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-tiled:
		if err == nil {
			t.Fatal("the tiling of a deleted project's image succeeded")
		}
	default:
		t.Fatal("the project's deletion returned before its tiling ended")
	}
	if _, err := os.Stat(fx.svc.Layout.ProjectDir(fx.project.ID)); !os.IsNotExist(err) {
		t.Fatalf("the project folder is there after its deletion: %v", err)
	}
	// An image of it still queued is not tiled.
	if err := fx.svc.TileImage(ctx, m.ID, nil); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Fatalf("tiling an image of a deleted project: %v", err)
	}
}

// tileInBackground starts tiling m and returns once the first tile is
// written; the channel gets TileImage's answer.
func tileInBackground(ctx context.Context, fx *fixture, m *backend.Image) <-chan error {
	started := make(chan struct{})
	var once sync.Once
	tiled := make(chan error, 1)
	go func() {
		tiled <- fx.svc.TileImage(ctx, m.ID, func(done, total int) { once.Do(func() { close(started) }) })
	}()
	<-started
	return tiled
}
