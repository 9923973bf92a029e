package evaluate_test

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/evaluate"
	"github.com/tessera-lab/tessera/backend/images"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
)

// threshold is a stand-in model with a known answer: class 1 where the
// pixel is bright. It lets the test check the stitching pixel by pixel.
func threshold(img image.Image) (*image.Gray, error) {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y > 128 {
				out.Pix[(y-b.Min.Y)*out.Stride+(x-b.Min.X)] = 1
			}
		}
	}
	return out, nil
}

func loadThreshold(string) (evaluate.Predictor, error) { return threshold, nil }

func TestPredictStitchesTilesIntoTheWholeImage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	layout := backend.Layout{Root: dir}
	p := &backend.Project{Name: "P", TileSize: 128}
	if err := (&projects.Service{Store: db, Layout: layout}).CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	src := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range src.Pix {
		src.Pix[i] = uint8((i*7 + i/300*3) % 256)
	}
	path := filepath.Join(t.TempDir(), "field.png")
	f, _ := os.Create(path)
	png.Encode(f, src)
	f.Close()
	is := images.New(db, layout, nil)
	res, err := is.ImportPaths(ctx, p.ID, []string{path}, false)
	if err != nil || len(res.Imported) != 1 {
		t.Fatal(err)
	}
	m := res.Imported[0]
	if err := is.TileImage(ctx, m.ID, nil); err != nil {
		t.Fatal(err)
	}
	// A completed job with a model folder and its metadata.
	pl := &backend.Pipeline{ID: "pl", Name: "pl", ProjectID: p.ID, Worker: "pool:x", CreatedBy: "t"}
	db.CreatePipeline(ctx, pl)
	j := &backend.Job{ID: "job", PipelineID: pl.ID, ProjectID: p.ID, Status: jobproto.StatusPending, Trainer: "cpu", Target: "pool:x", Config: []byte("{}"), CreatedBy: "t"}
	db.CreateJob(ctx, j, "t")
	b := &dataset.Builder{Store: db, Labels: &annotate.Service{Store: db, Layout: layout}, Layout: layout}
	svc := &evaluate.Service{Store: db, Layout: layout, Builder: b, Load: loadThreshold, OverlaySide: 100}
	if _, err := svc.PredictImage(ctx, j.ID, m.ID); err == nil || !strings.Contains(err.Error(), "only a completed job") {
		t.Fatalf("pending job: %v", err)
	}
	md, _ := json.Marshal(dataset.Metadata{Classes: []dataset.Class{{Index: 1, Name: "bright", Colour: [3]uint8{255, 0, 0}}}})
	// A completed job, marked so by an agent's event as the ingest stores it.
	db2job := &backend.Job{ID: "done", PipelineID: pl.ID, ProjectID: p.ID, Status: jobproto.StatusPending, Trainer: "cpu", Target: "pool:x", Config: []byte("{}"), CreatedBy: "t"}
	db.CreateJob(ctx, db2job, "t")
	if _, err := db.ApplyJobEvents(ctx, store.JobEvents{Statuses: []jobproto.StatusEvent{{JobID: "done", Attempt: 1, Seq: 1, Status: jobproto.StatusCompleted, Progress: 1}}}); err != nil {
		t.Fatal(err)
	}
	doneDir := b.JobDir(p.ID, pl.ID, "done")
	os.MkdirAll(filepath.Join(doneDir, "models"), 0o755)
	os.WriteFile(filepath.Join(doneDir, "models", "model.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(doneDir, "metadata.json"), md, 0o644)

	pred, err := svc.PredictImage(ctx, "done", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := os.Open(filepath.Join(svc.Dir(m, "done"), "mask.png"))
	if err != nil {
		t.Fatal(err)
	}
	maskImg, err := png.Decode(mf)
	mf.Close()
	if err != nil {
		t.Fatal(err)
	}
	mask := maskImg.(*image.Gray)
	want, _ := threshold(src)
	bright := 0
	for i := range want.Pix {
		if mask.Pix[i] != want.Pix[i] {
			t.Fatalf("pixel %d: stitched %d, whole-image answer %d", i, mask.Pix[i], want.Pix[i])
		}
		bright += int(want.Pix[i])
	}
	if pred.Pixels["bright"] != bright || pred.Pixels["background"] != 300*200-bright {
		t.Fatalf("pixel counts %v, want %d bright", pred.Pixels, bright)
	}
	of, _ := os.Open(filepath.Join(svc.Dir(m, "done"), "overlay.png"))
	cfg, err := png.DecodeConfig(of)
	of.Close()
	if err != nil || cfg.Width != 100 || cfg.Height != 66 {
		t.Fatalf("overlay %v %v, want 100×66", cfg, err)
	}
	list, err := svc.Predictions(ctx, m.ID)
	if err != nil || len(list) != 1 || list[0].JobID != "done" {
		t.Fatalf("predictions %+v %v", list, err)
	}

	// Predictions asked for at once run one after the other: each holds a
	// class map of its whole image and the CPU.
	var inFlight, most atomic.Int32
	svc2 := &evaluate.Service{Store: db, Layout: layout, Builder: b, OverlaySide: 100,
		Load: func(string) (evaluate.Predictor, error) {
			return func(img image.Image) (*image.Gray, error) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(2 * time.Millisecond)
				return threshold(img)
			}, nil
		}}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); _, err := svc2.PredictImage(ctx, "done", m.ID); errs <- err }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a concurrent prediction: %v", err)
		}
	}
	if most.Load() != 1 {
		t.Fatalf("%d predictions ran at once, want 1", most.Load())
	}

	// A GPU trainer's model is refused with the reason and where to look.
	svc.ModelFormat = "tessera-cpu-unet/1"
	os.WriteFile(filepath.Join(doneDir, "models", "model.json"),
		[]byte(`{"format":"tessera-upernet-convnext/1","trainer":"tessera pytorch trainer"}`), 0o644)
	_, err = svc.PredictImage(ctx, "done", m.ID)
	var be *backend.Error
	if !errors.As(err, &be) || be.Code != backend.EINVALID || !strings.Contains(err.Error(), "tessera-upernet-convnext/1") ||
		!strings.Contains(err.Error(), "model.onnx runs in ONNX Runtime") {
		t.Fatalf("a GPU model: %v", err)
	}

	// An imported model that came without metadata.json: its classes come
	// from models/model.json.
	os.Remove(filepath.Join(doneDir, "metadata.json"))
	os.WriteFile(filepath.Join(doneDir, "models", "model.json"), []byte(`{"classes":[{"index":0,"name":"background"},{"index":1,"name":"bright","colour":[0,255,0]}]}`), 0o644)
	svc.ModelFormat = ""
	pred, err = svc.PredictImage(ctx, "done", m.ID)
	if err != nil || len(pred.Classes) != 1 || pred.Classes[0].Name != "bright" || pred.Classes[0].Colour != [3]uint8{0, 255, 0} || pred.Pixels["bright"] != bright {
		t.Fatalf("model without metadata: %+v %v", pred, err)
	}

	// Deleting the job stops its prediction in progress; none is written.
	os.RemoveAll(svc.Dir(m, "done"))
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	svc.Load = func(string) (evaluate.Predictor, error) {
		return func(img image.Image) (*image.Gray, error) {
			once.Do(func() { close(started) })
			<-release
			return threshold(img)
		}, nil
	}
	errc := make(chan error, 1)
	go func() { _, err := svc.PredictImage(ctx, "done", m.ID); errc <- err }()
	<-started
	// Meanwhile the project's running predictions say how far it has got.
	if run := svc.Running(p.ID); len(run) != 1 || run[0].State != "running" || run[0].JobID != "done" || run[0].ImageID != m.ID || run[0].Total == 0 || run[0].Done != 0 {
		t.Fatalf("running predictions %+v", run)
	}
	stopped := make(chan struct{})
	go func() { svc.StopJob("done"); close(stopped) }()
	time.Sleep(20 * time.Millisecond) // StopJob waits for the tile in progress
	close(release)
	<-stopped
	if err := <-errc; backend.ErrorCode(err) != backend.ENOTFOUND || !strings.Contains(err.Error(), "training job done was deleted") {
		t.Fatalf("prediction of a deleted job: %v", err)
	}
	if _, err := os.Stat(svc.Dir(m, "done")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the deleted job's prediction folder: %v", err)
	}
	if run := svc.Running(p.ID); len(run) != 0 {
		t.Fatalf("running after the end: %+v", run)
	}
}
