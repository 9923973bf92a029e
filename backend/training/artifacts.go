package training

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/dataset"
)

// artifactsMarker in a job folder says its results were fetched.
const artifactsMarker = ".artifacts-fetched"

// fetchArtifacts copies a completed job's results from the object store
// (models/, predictions/, metrics.json) into its folder. It is idempotent.
func (s *Service) fetchArtifacts(ctx context.Context, j *backend.Job) {
	obj, err := s.JS.ObjectStore(ctx, broker.BucketArtifacts)
	if err != nil {
		s.Logf("training: artifacts of %s: %v", j.ID, err)
		return
	}
	infos, err := obj.List(ctx)
	if err != nil {
		return // an empty bucket lists as an error
	}
	prefix := "jobs/" + j.ID + "/"
	dir := s.JobDir(j)
	for _, in := range infos {
		rel, ok := strings.CutPrefix(in.Name, prefix)
		if !ok || rel == "train.log" { // our own train.log is the whole one
			continue
		}
		dst, err := backend.SafeJoin(dir, rel)
		if err != nil {
			s.Logf("training: artifact %s: %v", in.Name, err)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			continue
		}
		if err := obj.GetFile(ctx, in.Name, dst); err != nil {
			s.Logf("training: artifact %s: %v", in.Name, err)
			return
		}
	}
	_ = os.WriteFile(filepath.Join(dir, artifactsMarker), nil, 0o644)
	s.emit(backend.EventJobUpdated, j.ProjectID, j)
}

// evaluation returns the trainer's metrics.json for a job, if there is one.
func (s *Service) evaluation(j *backend.Job) json.RawMessage {
	b, err := backend.ReadFileMax(filepath.Join(s.JobDir(j), "metrics.json"), backend.MaxJSONFile)
	if err != nil || !json.Valid(b) {
		return nil
	}
	return b
}

// ModelInfo is what a job's models/model.json says about running it.
type ModelInfo struct {
	Format   string `json:"format"`
	Trainer  string `json:"trainer"`
	ONNX     bool   `json:"onnx"`      // models/model.onnx is there
	RunsHere bool   `json:"runs_here"` // this app predicts whole images with it
}

// modelInfo reads a job's models/model.json; nil when there is none.
func (s *Service) modelInfo(j *backend.Job) *ModelInfo {
	dir := filepath.Join(s.JobDir(j), "models")
	kind, err := dataset.ReadModelKind(dir)
	if err != nil {
		return nil
	}
	m := ModelInfo{Format: kind.Format, Trainer: kind.Trainer}
	_, err = os.Stat(filepath.Join(dir, "model.onnx"))
	m.ONNX = err == nil
	m.RunsHere = s.RunnableModelFormat == "" || m.Format == s.RunnableModelFormat
	return &m
}
