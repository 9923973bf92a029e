package training

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/dataset"
)

// artifactsMarker in a job folder says its results were fetched.
const artifactsMarker = ".artifacts-fetched"

// startFetch downloads a completed job's results in the background, once
// at a time per job (a redelivered event and the start-up check may both
// ask).
func (s *Service) startFetch(ctx context.Context, j *backend.Job) {
	ctx, done, ok := s.fetches.Start(context.WithoutCancel(ctx), j.ID)
	if !ok {
		return
	}
	go func() {
		defer done()
		s.fetchArtifacts(ctx, j)
	}()
}

// fetchArtifacts copies a completed job's results from the object store
// (models/, predictions/, metrics.json) into its folder. It is idempotent;
// each file is written beside its place and renamed in, and tried again
// (3 times) when the store fails.
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
		for try := 1; ; try++ {
			if err = obj.GetFile(ctx, in.Name, dst+".part"); err == nil {
				err = os.Rename(dst+".part", dst)
			}
			if err == nil || try == 3 || ctx.Err() != nil {
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(try) * time.Second):
			}
		}
		if err != nil {
			os.Remove(dst + ".part")
			if ctx.Err() == nil {
				s.Logf("training: artifact %s: %v", in.Name, err)
			}
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
