package annotate_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/images"
	"github.com/tessera-lab/tessera/backend/labels"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
)

const schemaJSON = `{"colour_schemes":[{"name":"default","human_name":"Default"}],
 "label_class_groups":[{"group_name":"Cells","group_classes":[
   {"name":"nucleus","human_name":"Nucleus","colours":{"default":[255,0,0]}},
   {"name":"membrane","human_name":"Membrane","colours":{"default":[0,0,255]}}]}]}`

type fixture struct {
	svc    *annotate.Service
	db     *store.DB
	pid    int64
	image  *backend.Image
	tiles  []*backend.Tile
	layout backend.Layout
}

// newFixture makes a project with the schema and one 600 × 400 image cut
// into two 512-px tiles: 512 × 400 at x 0 and 88 × 400 at x 512.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	layout := backend.Layout{Root: dir}
	p := &backend.Project{Name: "Cells"}
	if err := (&projects.Service{Store: db, Layout: layout}).CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 600, 400))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	src := pngFile(t, "smear.png", img)
	is := images.New(db, layout, nil)
	res, err := is.ImportPaths(ctx, p.ID, []string{src}, false)
	if err != nil || len(res.Imported) != 1 {
		t.Fatalf("import: %v %+v", err, res)
	}
	if err := is.TileImage(ctx, res.Imported[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	m, _ := db.FindImageByID(ctx, res.Imported[0].ID)
	tiles, _, _ := db.FindTiles(ctx, m.ID, 0, 10)
	svc := &annotate.Service{Store: db, Layout: layout}
	sch, err := labels.ParseSchema(strings.NewReader(schemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSchema(ctx, p.ID, sch); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, db: db, pid: p.ID, image: m, tiles: tiles, layout: layout}
}

// pngFile writes img as a PNG named name in a new folder.
func pngFile(t *testing.T, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err == nil {
		err = png.Encode(f, img)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func parse(t *testing.T, s string) *labels.File {
	t.Helper()
	f, err := labels.ParseFile(strings.NewReader(s), "test")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// square is a polygon label region from (x0,y0) to (x1,y1).
func square(x0, y0, x1, y1 float64) string {
	b, _ := json.Marshal([]map[string]float64{{"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}, {"x": x0, "y": y1}})
	return string(b)
}

func TestSaveReadAndConflict(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	tile := fx.tiles[0]
	in := parse(t, `{"image_filename":"x","completed_tasks":["finished"],"labels":[
	 {"label_type":"polygon","object_id":"a","label_class":"nucleus","source":"manual","anno_data":{},"regions":[`+square(10, 10, 50, 50)+`]},
	 {"label_type":"box","object_id":"b","label_class":"membrane","centre":{"x":100,"y":100},"size":{"x":20,"y":10},"mine":[1,2]},
	 {"label_type":"polygon","object_id":"c","label_class":"virus","regions":[`+square(60, 60, 70, 70)+`]}]}`)
	res, err := fx.svc.SaveTileLabels(ctx, "ada", tile.ID, in, 0, 12.5)
	if err != nil {
		t.Fatal(err)
	}
	if res.Revision != 1 || !res.Complete || len(res.Problems) != 1 || res.Problems[0].Class != "virus" {
		t.Fatalf("save: %+v", res)
	}
	got, err := fx.svc.TileLabels(ctx, tile.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != 1 || !got.Complete || len(got.Labels.Labels) != 3 || got.Labels.ImageFilename != tile.Name {
		t.Fatalf("read back: %+v", got)
	}
	// The unknown field of the box label survived the round trip.
	raw, _ := os.ReadFile(fx.svc.LabelPath(fx.pid, tile.Name))
	if !bytes.Contains(raw, []byte(`"mine"`)) || !strings.HasSuffix(fx.svc.LabelPath(fx.pid, tile.Name), "smear_r000_c000__labels.json") {
		t.Fatalf("label file %s:\n%s", fx.svc.LabelPath(fx.pid, tile.Name), raw)
	}
	if got.Neighbours.Next == nil || *got.Neighbours.Next != fx.tiles[1].ID || got.Neighbours.Prev != nil {
		t.Fatalf("neighbours %+v", got.Neighbours)
	}
	// A save from a stale revision is refused; nothing is overwritten.
	if _, err := fx.svc.SaveTileLabels(ctx, "bob", tile.ID, parse(t, `{"labels":[]}`), 0, 1); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("stale save: %v", err)
	}
	if again, _ := fx.svc.TileLabels(ctx, tile.ID); len(again.Labels.Labels) != 3 {
		t.Fatal("a refused save changed the file")
	}
	if _, err := fx.svc.SaveTileLabels(ctx, "ada", tile.ID, in, 1, 7.5); err != nil {
		t.Fatal(err)
	}
	p, err := fx.svc.Progress(ctx, fx.pid)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tiles != 2 || p.Labelled != 1 || p.Complete != 1 || len(p.Users) != 1 || p.Users[0].Seconds != 20 || p.Users[0].Tiles != 1 {
		t.Fatalf("progress %+v", p)
	}
	if p.Classes[0].Name != "nucleus" || p.Classes[0].Labels != 1 || p.Classes[2].Name != "virus" {
		t.Fatalf("class counts %+v", p.Classes)
	}
}

// Students saving one tile from the same revision at the same moment: one
// save wins and its labels are the file's; the others are told to reload,
// and none of them overwrote the winner's file.
func TestConcurrentSavesKeepTheWinnersLabels(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	tile := fx.tiles[0]
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := parse(t, fmt.Sprintf(`{"labels":[{"label_type":"polygon","object_id":"by-%d","label_class":"nucleus","regions":[%s]}]}`,
				i, square(10, 10, 50, 50)))
			_, errs[i] = fx.svc.SaveTileLabels(ctx, fmt.Sprintf("student%d", i), tile.ID, f, 0, 1)
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("students %d and %d both saved revision 0", winner, i)
		case err == nil:
			winner = i
		case backend.ErrorCode(err) != backend.ECONFLICT:
			t.Fatalf("student %d: %v, want a conflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no save succeeded")
	}
	got, err := fx.svc.TileLabels(ctx, tile.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != 1 || len(got.Labels.Labels) != 1 || got.Labels.Labels[0].ObjectID != fmt.Sprintf("by-%d", winner) {
		t.Fatalf("revision %d, labels %+v: want student %d's label at revision 1", got.Revision, got.Labels.Labels, winner)
	}
}

// Deleting an image puts its labels aside: a new image of the same name
// (so the same tile names) starts unlabelled, and the old labels are kept.
func TestLabelsOfADeletedImageDoNotComeBack(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	tile := fx.tiles[0]
	in := parse(t, `{"labels":[{"label_type":"polygon","object_id":"old","label_class":"nucleus","regions":[`+square(10, 10, 50, 50)+`]}]}`)
	if _, err := fx.svc.SaveTileLabels(ctx, "ada", tile.ID, in, 0, 1); err != nil {
		t.Fatal(err)
	}
	is := images.New(fx.db, fx.layout, nil)
	if err := is.DeleteImage(ctx, fx.image.ID); err != nil {
		t.Fatal(err)
	}
	src := pngFile(t, "smear.png", image.NewGray(image.Rect(0, 0, 300, 300))) // another picture, the same name
	res, err := is.ImportPaths(ctx, fx.pid, []string{src}, false)
	if err != nil || len(res.Imported) != 1 {
		t.Fatalf("import: %v %+v", err, res)
	}
	if err := is.TileImage(ctx, res.Imported[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	tiles, _, _ := fx.db.FindTiles(ctx, res.Imported[0].ID, 0, 10)
	if len(tiles) == 0 || tiles[0].Name != tile.Name {
		t.Fatalf("new tiles %+v, want the old names (%s) again", tiles, tile.Name)
	}
	got, err := fx.svc.TileLabels(ctx, tiles[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != 0 || len(got.Labels.Labels) != 0 {
		t.Fatalf("the new image's tile has revision %d and %d labels: the deleted image's", got.Revision, len(got.Labels.Labels))
	}
	kept := filepath.Join(fx.layout.DeletedLabelsDir(fx.pid, fx.image.ID), "smear_r000_c000__labels.json")
	if b, err := os.ReadFile(kept); err != nil || !bytes.Contains(b, []byte(`"old"`)) {
		t.Fatalf("the deleted image's labels are not kept at %s: %v", kept, err)
	}
}

// A class renamed after students labelled with it: the training set would
// teach those objects as background. The form's check and the build both
// refuse, naming the tile and the class.
func TestTrainingRefusesLabelsOfAClassTheSchemaLost(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	for i, tile := range fx.tiles {
		f := parse(t, `{"completed_tasks":["finished"],"labels":[{"label_type":"polygon","object_id":"o","label_class":"nucleus","regions":[`+square(10, 10, 50, 50)+`]}]}`)
		if _, err := fx.svc.SaveTileLabels(ctx, "ada", tile.ID, f, 0, 1); err != nil {
			t.Fatalf("tile %d: %v", i, err)
		}
	}
	b := &dataset.Builder{Store: fx.db, Labels: fx.svc, Layout: fx.layout}
	if err := b.Check(ctx, fx.pid); err != nil {
		t.Fatalf("with the class there: %v", err)
	}
	renamed, err := labels.ParseSchema(strings.NewReader(strings.Replace(schemaJSON, `"name":"nucleus"`, `"name":"Nucleus"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.SetSchema(ctx, fx.pid, renamed); err != nil {
		t.Fatal(err)
	}
	err = b.Check(ctx, fx.pid)
	if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), "smear_r000_c000.png (nucleus)") ||
		!strings.Contains(err.Error(), "2 completed tiles have labels of classes the project no longer has") {
		t.Fatalf("check after the rename: %v", err)
	}
	if _, err := b.Build(ctx, dataset.Options{ProjectID: fx.pid, PipelineID: "p", JobID: "j"}); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("build after the rename: %v", err)
	}
}

func readMask(t *testing.T, dir, name string) *image.Gray {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "masks", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("mask %s is %T, want 8-bit grey", name, img)
	}
	return g
}

// TestWholeImageLabelsAreCutIntoTilesAndMasksFollowTheRules imports a label
// file drawn on the whole image and exports masks per tile and per image.
func TestWholeImageLabelsAreCutIntoTilesAndMasksFollowTheRules(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	dir := t.TempDir()
	// nucleus: a square 400..560 × 100..300 with a hole 460..500 (XOR);
	// membrane, drawn later, over its lower part 400..560 × 250..300.
	whole := `{"image_filename":"smear.png","complete":true,"labels":[
	 {"label_type":"polygon","object_id":"n1","label_class":"nucleus","regions":[` + square(400, 100, 560, 300) + `,` + square(460, 150, 500, 200) + `]},
	 {"label_type":"polygon","object_id":"m1","label_class":"membrane","regions":[` + square(400, 250, 560, 300) + `]}]}`
	os.WriteFile(filepath.Join(dir, "smear__labels.json"), []byte(whole), 0o644)
	os.WriteFile(filepath.Join(dir, "broken__labels.json"), []byte("{\n  \"labels\": [\n    {\"label_type\": }\n]}"), 0o644)
	res, err := fx.svc.ImportLabels(ctx, fx.pid, "cli", []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Imported) != 1 || res.Imported[0].Target != "image" || res.Imported[0].Tiles != 2 {
		t.Fatalf("imported %+v", res.Imported)
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Error, "broken__labels.json:3:") {
		t.Fatalf("failed %+v", res.Failed)
	}
	p, _ := fx.svc.Progress(ctx, fx.pid)
	if p.Complete != 2 {
		t.Fatalf("legacy complete:true should mark both tiles complete: %+v", p)
	}

	out := t.TempDir()
	sum, err := fx.svc.Export(ctx, fx.pid, annotate.FormatMasks, annotate.PerTile, annotate.DirSink(out))
	if err != nil || sum.Items != 2 {
		t.Fatalf("export: %+v %v", sum, err)
	}
	left, right := readMask(t, out, "smear_r000_c000.png"), readMask(t, out, "smear_r000_c001.png")
	if left.Bounds().Dx() != 512 || right.Bounds().Dx() != 88 || right.Bounds().Dy() != 400 {
		t.Fatalf("mask sizes %v %v: edge tiles are partial", left.Bounds(), right.Bounds())
	}
	checks := []struct {
		m    *image.Gray
		x, y int
		want uint8
		why  string
	}{
		{left, 450, 120, 1, "inside the nucleus"},
		{left, 480, 175, 0, "in the hole (regions XOR)"},
		{left, 460, 150, 0, "on the hole's boundary: both regions cover it, so XOR clears it"},
		{left, 450, 275, 2, "membrane drawn over the nucleus"},
		{left, 400, 100, 1, "the nucleus's own corner: boundary included"},
		{left, 399, 100, 0, "just outside"},
		{right, 30, 120, 1, "the nucleus continues across the tile edge (x 542)"},
		{right, 48, 120, 1, "x 560, boundary"},
		{right, 49, 120, 0, "x 561, outside"},
		{right, 30, 280, 2, "membrane in the right tile"},
		{left, 10, 10, 0, "background"},
	}
	for _, c := range checks {
		if got := c.m.GrayAt(c.x, c.y).Y; got != c.want {
			t.Errorf("(%d,%d) %s: got %d, want %d", c.x, c.y, c.why, got, c.want)
		}
	}

	// Per image: one mask the size of the original, agreeing with the tiles.
	outImg := t.TempDir()
	if _, err := fx.svc.Export(ctx, fx.pid, annotate.FormatMasks, annotate.PerImage, annotate.DirSink(outImg)); err != nil {
		t.Fatal(err)
	}
	whole2 := readMask(t, outImg, "smear.png")
	if whole2.Bounds().Dx() != 600 || whole2.GrayAt(542, 120).Y != 1 || whole2.GrayAt(480, 175).Y != 0 || whole2.GrayAt(450, 275).Y != 2 {
		t.Fatalf("whole-image mask wrong: %v", whole2.Bounds())
	}
	if _, err := os.Stat(filepath.Join(outImg, "previews", "smear.png")); err != nil {
		t.Fatalf("colour preview: %v", err)
	}
	var classes []struct {
		Value int
		Name  string
	}
	raw, _ := os.ReadFile(filepath.Join(out, "classes.json"))
	json.Unmarshal(raw, &classes)
	if len(classes) != 3 || classes[1].Name != "nucleus" || classes[2].Value != 2 {
		t.Fatalf("classes.json %s", raw)
	}

	// Importing the same file again adds nothing: its object ids are there.
	again, _ := fx.svc.ImportLabels(ctx, fx.pid, "cli", []string{filepath.Join(dir, "smear__labels.json")})
	tl, _ := fx.svc.TileLabels(ctx, fx.tiles[0].ID)
	if len(again.Imported) != 1 || len(tl.Labels.Labels) != 2 {
		t.Fatalf("re-import duplicated labels: %d labels", len(tl.Labels.Labels))
	}
}

func TestExportFormats(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	in := parse(t, `{"labels":[{"label_type":"polygon","object_id":"a","label_class":"membrane","regions":[`+square(10, 10, 30, 40)+`]}]}`)
	if _, err := fx.svc.SaveTileLabels(ctx, "ada", fx.tiles[0].ID, in, 0, 0); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := fx.svc.Export(ctx, fx.pid, annotate.FormatCOCO, annotate.PerTile, annotate.DirSink(out)); err != nil {
		t.Fatal(err)
	}
	var coco struct {
		Images []struct {
			ID            int64
			FileName      string `json:"file_name"`
			Width, Height int
		}
		Categories []struct {
			ID   int
			Name string
		}
		Annotations []struct {
			ImageID      int64 `json:"image_id"`
			CategoryID   int   `json:"category_id"`
			Segmentation [][]float64
			BBox         []float64
			Area         float64
		}
	}
	raw, _ := os.ReadFile(filepath.Join(out, "annotations.json"))
	if err := json.Unmarshal(raw, &coco); err != nil {
		t.Fatal(err)
	}
	if len(coco.Images) != 2 || len(coco.Categories) != 2 || coco.Categories[1].Name != "membrane" || len(coco.Annotations) != 1 {
		t.Fatalf("coco %s", raw)
	}
	a := coco.Annotations[0]
	if a.CategoryID != 2 || a.BBox[0] != 10 || a.BBox[2] != 20 || a.Area <= 0 || len(a.Segmentation[0]) != 8 {
		t.Fatalf("annotation %+v", a)
	}
	dl := t.TempDir()
	if _, err := fx.svc.Export(ctx, fx.pid, annotate.FormatDjangoLabeller, annotate.PerImage, annotate.DirSink(dl)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dl, "smear__labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := labels.ParseFile(f, "export")
	if err != nil || back.ImageFilename != "smear.png" || len(back.Labels) != 1 {
		t.Fatalf("django-labeller per image: %+v %v", back, err)
	}
	if _, err := fx.svc.Export(ctx, fx.pid, "voc", annotate.PerTile, annotate.DirSink(dl)); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("unknown format: %v", err)
	}
}

// A class named like the background (the editor turns "Background" into
// "background") would be reported as the background by the trainers: a
// new schema with one is refused, and a project that saved one before
// this rule cannot train until it is renamed.
func TestAClassNamedBackgroundIsRefused(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	clash := strings.Replace(schemaJSON, `"name":"membrane","human_name":"Membrane"`, `"name":"background","human_name":"Background"`, 1)
	sch, err := labels.ParseSchema(strings.NewReader(clash))
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.SetSchema(ctx, fx.pid, sch); backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), `class "background" has the name trainers give the unlabelled background`) {
		t.Fatalf("saving the schema: %v", err)
	}
	for _, tile := range fx.tiles {
		f := parse(t, `{"completed_tasks":["finished"],"labels":[{"label_type":"polygon","object_id":"o","label_class":"nucleus","regions":[`+square(10, 10, 50, 50)+`]}]}`)
		if _, err := fx.svc.SaveTileLabels(ctx, "ada", tile.ID, f, 0, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := fx.db.SetLabelSchema(ctx, fx.pid, clash); err != nil {
		t.Fatal(err)
	}
	b := &dataset.Builder{Store: fx.db, Labels: fx.svc, Layout: fx.layout}
	if err := b.Check(ctx, fx.pid); backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), "rename it") {
		t.Fatalf("training check: %v", err)
	}
}

// "Continue annotating" spreads people over the tiles: the first incomplete
// tile nobody else has open, else the first incomplete one; who has a tile
// open is forgotten after OpenFor without a heartbeat.
func TestNextTileSkipsTilesOthersHaveOpen(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	fx.svc.Now = func() time.Time { return now }
	first, second := fx.tiles[0], fx.tiles[1]
	if first.Col != 0 || second.Col != 1 {
		t.Fatalf("tiles out of order: %+v %+v", first, second)
	}
	next := func(user string) int64 {
		t.Helper()
		tl, err := fx.svc.NextTile(ctx, user, fx.pid, fx.image.ID)
		if err != nil || tl == nil {
			t.Fatalf("next tile for %s: %v %v", user, tl, err)
		}
		return tl.ID
	}
	if got := next("ada"); got != first.ID {
		t.Fatalf("ada gets %d, want the first tile %d", got, first.ID)
	}
	// ada is on the first tile now: bob gets the second; ada again the first.
	if got := next("bob"); got != second.ID {
		t.Fatalf("bob gets %d, want %d", got, second.ID)
	}
	if got := next("ada"); got != first.ID {
		t.Fatalf("ada again gets %d, want %d", got, first.ID)
	}
	// Both taken: the first incomplete one.
	if got := next("cy"); got != first.ID {
		t.Fatalf("cy gets %d, want the first incomplete %d", got, first.ID)
	}
	tl, err := fx.svc.OpenTileLabels(ctx, "bob", first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tl.OpenBy, ",") != "ada,cy" {
		t.Fatalf("open by %v, want ada,cy", tl.OpenBy)
	}
	// A complete tile is skipped even when free.
	done := parse(t, `{"completed_tasks":["finished"],"labels":[]}`)
	if _, err := fx.svc.SaveTileLabels(ctx, "ada", first.ID, done, 0, 1); err != nil {
		t.Fatal(err)
	}
	// After OpenFor without a heartbeat nobody counts as having a tile open.
	now = now.Add(annotate.OpenFor + time.Second)
	if others, err := fx.svc.KeepOpen(ctx, "dee", second.ID); err != nil || len(others) != 0 {
		t.Fatalf("after expiry open by %v %v, want nobody", others, err)
	}
	if got := next("eve"); got != second.ID {
		t.Fatalf("eve gets %d, want the only incomplete tile %d", got, second.ID)
	}
	if _, err := fx.svc.NextTile(ctx, "eve", fx.pid+1, fx.image.ID); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Fatalf("another project's next tile: %v", err)
	}
}

// Tiles nobody finished would export as all-background masks that look
// like ground truth: CompleteOnly leaves them out (per image, images with
// any such tile); without it everything goes, as before.
func TestExportCompleteOnly(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	done := parse(t, `{"completed_tasks":["finished"],"labels":[{"label_type":"polygon","object_id":"a","label_class":"nucleus","regions":[`+square(10, 10, 30, 40)+`]}]}`)
	if _, err := fx.svc.SaveTileLabels(ctx, "ada", fx.tiles[0].ID, done, 0, 0); err != nil {
		t.Fatal(err)
	}
	names := func(dir string) []string {
		t.Helper()
		es, _ := os.ReadDir(filepath.Join(dir, "masks"))
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	all := t.TempDir()
	sum, err := fx.svc.Export(ctx, fx.pid, annotate.FormatMasks, annotate.PerTile, annotate.DirSink(all))
	if err != nil || sum.Items != 2 || sum.Skipped != 0 || len(names(all)) != 2 {
		t.Fatalf("export of all tiles: %+v %v %v", sum, names(all), err)
	}
	some := t.TempDir()
	sum, err = fx.svc.ExportWith(ctx, fx.pid, annotate.ExportOptions{Format: annotate.FormatMasks, Per: annotate.PerTile, CompleteOnly: true}, annotate.DirSink(some))
	if err != nil || sum.Items != 1 || sum.Skipped != 1 || !sum.CompleteOnly || strings.Join(names(some), ",") != "smear_r000_c000.png" {
		t.Fatalf("export of complete tiles: %+v %v %v", sum, names(some), err)
	}
	per := t.TempDir()
	sum, err = fx.svc.ExportWith(ctx, fx.pid, annotate.ExportOptions{Format: annotate.FormatMasks, Per: annotate.PerImage, CompleteOnly: true}, annotate.DirSink(per))
	if err != nil || sum.Items != 0 || sum.Skipped != 1 || len(names(per)) != 0 {
		t.Fatalf("per image, an image with an incomplete tile went: %+v %v %v", sum, names(per), err)
	}
}

// Zip entries carry the time they were written, not 1980.
func TestZipEntriesAreDated(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := annotate.ZipSink{W: zw}.Create("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("{}"))
	w.Close()
	zw.Close()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if m := zr.File[0].Modified; time.Since(m) > time.Hour || time.Since(m) < -time.Hour {
		t.Fatalf("entry dated %v, want about now", m)
	}
}

// The train form says how the training set will split before it is built,
// and the build splits that way.
func TestTheSplitPreviewIsTheBuildsSplit(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	for _, tile := range fx.tiles {
		f := parse(t, `{"completed_tasks":["finished"],"labels":[{"label_type":"polygon","object_id":"o","label_class":"nucleus","regions":[`+square(10, 10, 50, 50)+`]}]}`)
		if _, err := fx.svc.SaveTileLabels(ctx, "ada", tile.ID, f, 0, 1); err != nil {
			t.Fatal(err)
		}
	}
	b := &dataset.Builder{Store: fx.db, Labels: fx.svc, Layout: fx.layout}
	p, err := b.Preview(ctx, fx.pid, 42, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.SplitBy != "rows" || p.TrainTiles+p.ValTiles != len(fx.tiles) || p.ValTiles == 0 ||
		len(p.TrainImages) != 1 || p.TrainImages[0] != fx.image.Name || len(p.ValImages) != 1 {
		t.Fatalf("preview %+v of %d tiles", p, len(fx.tiles))
	}
	md, err := b.Build(ctx, dataset.Options{ProjectID: fx.pid, PipelineID: "p", JobID: "j", Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Split.Val) != p.ValTiles || len(md.Split.Train) != p.TrainTiles || md.SplitBy != p.SplitBy {
		t.Fatalf("built %d train / %d val (%s), previewed %+v", len(md.Split.Train), len(md.Split.Val), md.SplitBy, p)
	}
}
