package training

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// A model file is a zip of a completed job's models/ with the
// metadata.json (classes), config.json and metrics.json that explain it:
// what another Tessera imports to predict with the model.
var modelFiles = []string{"metadata.json", "config.json", "metrics.json"}

// maxModelZip bounds an imported model file.
const maxModelZip = 2 << 30

// ExportModel writes a completed job's model file to w.
func (s *Service) ExportModel(ctx context.Context, id string, w io.Writer) error {
	j, err := s.DB.FindJob(ctx, id)
	if err != nil {
		return err
	}
	if j.Status != jobproto.StatusCompleted {
		return backend.Errorf(backend.EINVALID, "job %s is %s: only a completed job has a model", id, j.Status)
	}
	dir := s.JobDir(j)
	zw := zip.NewWriter(w)
	add := func(rel string) error {
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			return err
		}
		defer f.Close()
		zf, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = io.Copy(zf, f)
		return err
	}
	for _, name := range modelFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			if err := add(name); err != nil {
				return err
			}
		}
	}
	err = filepath.WalkDir(filepath.Join(dir, "models"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		return add(rel)
	})
	if err != nil {
		return backend.Errorf(backend.ENOTFOUND, "job %s has no model files: %v", id, err)
	}
	return zw.Close()
}

// ImportModel adds a model file exported by a Tessera to a project, as a
// completed job of a pipeline "Imported models", so that it can predict.
func (s *Service) ImportModel(ctx context.Context, user string, projectID int64, r io.ReaderAt, size int64) (*backend.Job, error) {
	if _, err := s.DB.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	if size > maxModelZip {
		return nil, backend.Errorf(backend.ETOOLARGE, "a model file is at most %d bytes", int64(maxModelZip))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "not a model file (a zip from a Tessera job): %v", err)
	}
	if err := checkModelZip(zr); err != nil {
		return nil, err
	}
	// Unpacked first, recorded after: a bad file leaves no pipeline behind.
	pl := &backend.Pipeline{ID: uuid.NewString(), Name: "Imported models", ProjectID: projectID, Worker: "imported", CreatedBy: user}
	j := &backend.Job{ID: uuid.NewString(), PipelineID: pl.ID, ProjectID: projectID, Status: jobproto.StatusCompleted,
		Trainer: "imported", Target: "imported", Config: json.RawMessage("{}"), CreatedBy: user}
	dir := s.JobDir(j)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		dst, err := backend.SafeJoin(dir, filepath.FromSlash(f.Name))
		if err == nil {
			err = unzipOne(f, dst)
		}
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("unpack %s: %w", f.Name, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config.json")); err == nil && json.Valid(b) {
		j.Config = b
	}
	// The pipeline and its job together: a job that cannot be recorded
	// leaves no empty pipeline.
	if err := s.DB.CreateJobInNewPipeline(ctx, pl, j, "imported from a model file by "+user); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	_ = os.WriteFile(filepath.Join(dir, artifactsMarker), nil, 0o644)
	s.emitJob(ctx, j.ID)
	return s.DB.FindJob(ctx, j.ID)
}

// checkModelZip checks a model file's entries before anything is written:
// models/model.json is there; only models/… and the job's JSON files,
// regular files, within the size limits.
func checkModelZip(zr *zip.Reader) error {
	hasModel := false
	var total uint64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !f.Mode().IsRegular() || !(strings.HasPrefix(f.Name, "models/") || isModelFile(f.Name)) {
			return backend.Errorf(backend.EINVALID, "model file holds %q, which a model file does not have", f.Name)
		}
		if _, err := backend.SafeJoin("job", filepath.FromSlash(f.Name)); err != nil {
			return err
		}
		if strings.HasSuffix(f.Name, ".json") && f.UncompressedSize64 > backend.MaxJSONFile {
			return backend.Errorf(backend.ETOOLARGE, "model file: %s is %d bytes; at most %d", f.Name, f.UncompressedSize64, backend.MaxJSONFile)
		}
		if total += f.UncompressedSize64; total > maxModelZip*4 {
			return backend.Errorf(backend.ETOOLARGE, "model file unpacks to more than %d bytes", int64(maxModelZip*4))
		}
		hasModel = hasModel || f.Name == "models/model.json"
	}
	if !hasModel {
		return backend.Errorf(backend.EINVALID, "not a model file: it has no models/model.json")
	}
	return nil
}

func isModelFile(name string) bool {
	for _, m := range modelFiles {
		if name == m {
			return true
		}
	}
	return false
}

func unzipOne(f *zip.File, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(rc, int64(f.UncompressedSize64)+1)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ValidationTiles lists a job's validation tiles and whether the trainer
// wrote a prediction for each.
func (s *Service) ValidationTiles(ctx context.Context, id string) ([]ValTile, error) {
	j, err := s.DB.FindJob(ctx, id)
	if err != nil {
		return nil, err
	}
	dir := s.JobDir(j)
	b, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil {
		return []ValTile{}, nil
	}
	var md struct {
		Split struct {
			Val []string `json:"val"`
		} `json:"split"`
	}
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, err
	}
	out := []ValTile{}
	for _, name := range md.Split.Val {
		_, err := os.Stat(filepath.Join(dir, "predictions", name))
		out = append(out, ValTile{Name: name, Prediction: err == nil})
	}
	return out, nil
}

// ValTile is one validation tile of a job.
type ValTile struct {
	Name       string `json:"name"`
	Prediction bool   `json:"prediction"`
}

// JobFile returns the path of a job's image, mask or prediction of a tile.
func (s *Service) JobFile(ctx context.Context, id, kind, name string) (string, error) {
	j, err := s.DB.FindJob(ctx, id)
	if err != nil {
		return "", err
	}
	if kind != "images" && kind != "masks" && kind != "predictions" {
		return "", backend.Errorf(backend.ENOTFOUND, "no %s in a job", kind)
	}
	return backend.SafeJoin(filepath.Join(s.JobDir(j), kind), name)
}
