// Package evaluate applies a trained model to a project's images: every
// tile predicted, stitched back into a class map of the whole image, and a
// colour overlay the viewer lays over the image.
package evaluate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/tiling"
)

// Predictor runs a loaded model on one image.
type Predictor func(img image.Image) (*image.Gray, error)

// Loader loads the model saved in modelDir: once per image predicted,
// not once per tile.
type Loader func(modelDir string) (Predictor, error)

// Store is what prediction reads.
type Store interface {
	FindJob(ctx context.Context, id string) (*backend.Job, error)
	FindImageByID(ctx context.Context, id int64) (*backend.Image, error)
	AllTiles(ctx context.Context, imageID int64) ([]*backend.Tile, error)
}

// Service predicts.
type Service struct {
	Store   Store
	Layout  backend.Layout
	Builder *dataset.Builder
	Load    Loader
	// ModelFormat, when set, is the models/model.json format Predict runs;
	// a job whose model has another (a GPU trainer's) is refused with why.
	ModelFormat string
	Emitter     backend.Emitter
	// OverlaySide bounds the overlay's longer side; the class map keeps
	// the image's full size.
	OverlaySide int

	// one runs predictions one at a time: each holds a class map of its
	// whole image (up to a byte per pixel) and all the CPU it gets.
	one sync.Mutex
	// running is the prediction in progress, by job: a job's deletion
	// stops it before removing the job's predictions (StopJob).
	running backend.Inflight[string]
	// progress says which predictions wait or run, and how far (Running).
	progress progressBoard
}

// StopJob stops a prediction by the job in progress, if one is, and waits
// for it: the job is being deleted.
func (s *Service) StopJob(jobID string) {
	s.running.Stop(jobID, backend.Errorf(backend.ENOTFOUND, "training job %s was deleted", jobID))
}

// Prediction describes one model's class map of one image.
type Prediction struct {
	JobID     string          `json:"job_id"`
	ImageID   int64           `json:"image_id"`
	Width     int             `json:"width"`
	Height    int             `json:"height"`
	Classes   []dataset.Class `json:"classes"`
	Pixels    map[string]int  `json:"pixels"` // per class name, background included
	Seconds   float64         `json:"seconds"`
	CreatedAt time.Time       `json:"created_at"`
}

// EventPrediction is sent when a prediction is ready.
const EventPrediction = "prediction.ready"

// Dir holds an image's predictions by one job.
func (s *Service) Dir(m *backend.Image, jobID string) string {
	return filepath.Join(s.Layout.ProjectDir(m.ProjectID), ".viewer", fmt.Sprintf("image-%d", m.ID), "predictions", jobID)
}

// PredictImage predicts every tile of an image with a completed job's best
// model and stitches the results.
func (s *Service) PredictImage(ctx context.Context, jobID string, imageID int64) (*Prediction, error) {
	if s.Load == nil {
		return nil, backend.Errorf(backend.EINVALID, "this build has no model runner")
	}
	j, err := s.Store.FindJob(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if j.Status != jobproto.StatusCompleted {
		return nil, backend.Errorf(backend.EINVALID, "job %s is %s: only a completed job has a model", j.ID, j.Status)
	}
	m, err := s.Store.FindImageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	if m.ProjectID != j.ProjectID {
		return nil, backend.Errorf(backend.EINVALID, "image %d is not in the job's project", imageID)
	}
	if m.State != backend.ImageReady {
		return nil, backend.Errorf(backend.EINVALID, "image %s is %s, not ready", m.Name, m.State)
	}
	jobDir := s.Builder.JobDir(j.ProjectID, j.PipelineID, j.ID)
	modelDir := filepath.Join(jobDir, "models")
	kind, err := dataset.ReadModelKind(modelDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, backend.Errorf(backend.EINVALID, "job %s has no model this app can run (models/model.json)", j.ID)
	}
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "job %s: %v", j.ID, err)
	}
	if err := s.checkFormat(j.ID, kind); err != nil {
		return nil, err
	}
	key := progressKey{j.ID, m.ID}
	s.progress.start(s.Emitter, key, m.ProjectID, m.TilesCount)
	failed := true
	defer func() { s.progress.end(s.Emitter, key, failed) }()
	s.one.Lock()
	defer s.one.Unlock()
	if err := ctx.Err(); err != nil { // the caller left while another ran
		return nil, err
	}
	ctx, done, _ := s.running.Start(ctx, j.ID) // one at a time: never taken
	defer done()
	if _, err := s.Store.FindJob(ctx, j.ID); err != nil { // deleted while this waited
		return nil, err
	}
	predict, err := s.Load(modelDir)
	if err != nil {
		return nil, fmt.Errorf("job %s: loading its model: %w", j.ID, err)
	}
	classes, err := jobClasses(jobDir)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "job %s: %v", j.ID, err)
	}
	start := time.Now()
	full := image.NewGray(image.Rect(0, 0, m.Width, m.Height))
	tiles, err := s.Store.AllTiles(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	s.progress.update(s.Emitter, key, func(p *Progress) { p.State, p.Total, p.Since = "running", len(tiles), time.Now().UTC() })
	for i, t := range tiles {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		img, _, err := tiling.Decode(filepath.Join(s.Layout.TilesDir(m.ProjectID), t.Name), tiling.DefaultLimits())
		if err != nil {
			return nil, fmt.Errorf("tile %s: %w", t.Name, err)
		}
		pred, err := predict(img)
		if err != nil {
			return nil, fmt.Errorf("predict tile %s: %w", t.Name, err)
		}
		draw.Draw(full, image.Rect(t.X, t.Y, t.X+t.Width, t.Y+t.Height), pred, pred.Bounds().Min, draw.Src)
		s.progress.update(s.Emitter, key, func(p *Progress) { p.Done = i + 1 })
	}
	p := &Prediction{JobID: j.ID, ImageID: m.ID, Width: m.Width, Height: m.Height, Classes: classes,
		Pixels: map[string]int{}, CreatedAt: time.Now().UTC()}
	names := map[uint8]string{0: "background"}
	colours := map[uint8]color.NRGBA{0: {}}
	for _, c := range classes {
		names[uint8(c.Index)] = c.Name
		colours[uint8(c.Index)] = color.NRGBA{c.Colour[0], c.Colour[1], c.Colour[2], 255}
	}
	for _, v := range full.Pix {
		p.Pixels[names[v]]++
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	// prediction.json goes last and goes first: a prediction is listed
	// only once its files are all written, and a crash between the old
	// prediction's files and the new one's lists neither.
	dir := s.Dir(m, j.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(dir, "prediction.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "mask.png"), func(f *os.File) error { return encodePNG(f, full) }); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "overlay.png"), func(f *os.File) error { return encodePNG(f, overlay(full, colours, s.side())) }); err != nil {
		return nil, err
	}
	p.Seconds = time.Since(start).Seconds()
	b, _ := json.MarshalIndent(p, "", "  ")
	if err := writeFile(filepath.Join(dir, "prediction.json"), func(f *os.File) error { _, err := f.Write(b); return err }); err != nil {
		return nil, err
	}
	failed = false
	if s.Emitter != nil {
		s.Emitter.Emit(backend.Event{Type: EventPrediction, ProjectID: m.ProjectID, Data: p, Time: time.Now().UTC()})
	}
	return p, nil
}

func (s *Service) side() int {
	if s.OverlaySide > 0 {
		return s.OverlaySide
	}
	return 4096
}

// Predictions lists the predictions made for an image.
func (s *Service) Predictions(ctx context.Context, imageID int64) ([]*Prediction, error) {
	m, err := s.Store.FindImageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	root := filepath.Dir(s.Dir(m, "x"))
	entries, _ := os.ReadDir(root)
	out := []*Prediction{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "prediction.json"))
		if err != nil {
			continue
		}
		var p Prediction
		if json.Unmarshal(b, &p) == nil {
			out = append(out, &p)
		}
	}
	return out, nil
}

// overlay colours a class map (background transparent), scaled down by
// nearest neighbour so its longer side is at most side.
func overlay(mask *image.Gray, colours map[uint8]color.NRGBA, side int) *image.NRGBA {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	scale := 1.0
	if m := max(w, h); m > side {
		scale = float64(side) / float64(m)
	}
	ow, oh := max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale))
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < oh; y++ {
		sy := min(h-1, int(float64(y)/scale))
		for x := 0; x < ow; x++ {
			sx := min(w-1, int(float64(x)/scale))
			out.SetNRGBA(x, y, colours[mask.Pix[sy*mask.Stride+sx]])
		}
	}
	return out
}

func encodePNG(f *os.File, img image.Image) error {
	return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, img)
}

// writeFile writes path through a temporary file renamed into place; the
// temporary file goes on any error.
func writeFile(path string, write func(*os.File) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// checkFormat refuses a model whose format Load does not run.
func (s *Service) checkFormat(jobID string, info dataset.ModelKind) error {
	if s.ModelFormat == "" || info.Format == s.ModelFormat {
		return nil
	}
	return backend.Errorf(backend.EINVALID, "job %s's model (%s, by the %s) runs on a GPU agent, not in this app, which runs "+
		"the built-in CPU trainer's models over whole images: the job's validation predictions and scores are on its "+
		"results, and its models/model.onnx runs in ONNX Runtime", jobID, info.Format, info.Trainer)
}

// jobClasses are the classes of a job's masks: from its metadata.json, or
// from models/model.json for an imported model that came without one.
// Never nil.
func jobClasses(jobDir string) ([]dataset.Class, error) {
	var md dataset.Metadata
	if b, err := backend.ReadFileMax(filepath.Join(jobDir, "metadata.json"), backend.MaxJSONFile); err == nil {
		if err := json.Unmarshal(b, &md); err != nil {
			return nil, fmt.Errorf("metadata.json: %w", err)
		}
		if len(md.Classes) > 0 {
			return md.Classes, nil
		}
	}
	var info struct {
		Classes []struct {
			Index  int    `json:"index"`
			Name   string `json:"name"`
			Colour []int  `json:"colour"`
		} `json:"classes"`
	}
	b, err := backend.ReadFileMax(filepath.Join(jobDir, "models", "model.json"), backend.MaxJSONFile)
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err != nil {
		return nil, fmt.Errorf("models/model.json: %w", err)
	}
	classes := []dataset.Class{}
	for _, c := range info.Classes {
		if c.Index <= 0 || c.Index > 255 {
			continue // the background
		}
		dc := dataset.Class{Index: c.Index, Name: c.Name, Label: c.Name}
		if len(c.Colour) == 3 {
			dc.Colour = [3]uint8{uint8(c.Colour[0]), uint8(c.Colour[1]), uint8(c.Colour[2])}
		}
		classes = append(classes, dc)
	}
	if len(classes) == 0 {
		return nil, errors.New("neither metadata.json nor models/model.json lists the model's classes")
	}
	return classes, nil
}
