package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Files the trainer reads or writes in the job folder.
const (
	ConfigFile      = "config.json"
	TrainLogFile    = "train.log"
	ModelsDir       = "models"
	PredictionsDir  = "predictions"
	MetricsFile     = "metrics.json"
	artifactsPrefix = "jobs/"
)

// ArtifactName is the object name of a job's output file in the artifacts
// bucket: "jobs/<id>/<rel>", rel slash-separated ("models/best.pt").
func ArtifactName(jobID, rel string) string { return artifactsPrefix + jobID + "/" + rel }

// uploadStats says what an upload sent.
type uploadStats struct {
	Files int
	Bytes int64
}

// uploadResults puts the job's results in the artifacts bucket: every file
// under models/ and predictions/, metrics.json if there, and train.log.
func uploadResults(ctx context.Context, obs jetstream.ObjectStore, jobID, dir string) (uploadStats, error) {
	var st uploadStats
	for _, sub := range []string{ModelsDir, PredictionsDir} {
		root := filepath.Join(dir, sub)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == root {
					return filepath.SkipDir
				}
				return &missingResult{err}
			}
			if !d.Type().IsRegular() {
				return nil // folders; links and the like are not results
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			return st.put(ctx, obs, ArtifactName(jobID, filepath.ToSlash(rel)), p)
		})
		if err != nil {
			return st, fmt.Errorf("upload %s: %w", sub, err)
		}
	}
	for _, name := range []string{MetricsFile, TrainLogFile} {
		p := filepath.Join(dir, name)
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := st.put(ctx, obs, ArtifactName(jobID, path.Clean(name)), p); err != nil {
			return st, fmt.Errorf("upload %s: %w", name, err)
		}
	}
	return st, nil
}

// uploadLog puts train.log alone, for a job that did not complete (the
// agent's own file: a link there is not followed).
func uploadLog(ctx context.Context, obs jetstream.ObjectStore, jobID, dir string) error {
	var st uploadStats
	p := filepath.Join(dir, TrainLogFile)
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", TrainLogFile)
	}
	return st.put(ctx, obs, ArtifactName(jobID, TrainLogFile), p)
}

// missingResult is a result file that cannot be read: the trainer's
// fault, not the broker's.
type missingResult struct{ err error }

func (m *missingResult) Error() string { return m.err.Error() }
func (m *missingResult) Unwrap() error { return m.err }

// put stores one file, trying again (uploadTries in all, waiting longer
// each time) while the broker fails: it may be restarting.
func (st *uploadStats) put(ctx context.Context, obs jetstream.ObjectStore, name, file string) error {
	wait := uploadWait
	for try := 1; ; try++ {
		n, err := putOnce(ctx, obs, name, file)
		var missing *missingResult
		if err == nil {
			st.Files++
			st.Bytes += n
			return nil
		}
		if errors.As(err, &missing) || try == uploadTries || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// Uploads are tried this many times, uploadWait apart at first.
var (
	uploadTries = 5
	uploadWait  = time.Second
)

func putOnce(ctx context.Context, obs jetstream.ObjectStore, name, file string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, &missingResult{err}
	}
	defer f.Close()
	info, err := obs.Put(ctx, jetstream.ObjectMeta{Name: name}, f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return int64(info.Size), nil
}
