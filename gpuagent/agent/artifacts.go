package agent

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

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
				return err
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

// uploadLog puts train.log alone, for a job that did not complete.
func uploadLog(ctx context.Context, obs jetstream.ObjectStore, jobID, dir string) error {
	var st uploadStats
	return st.put(ctx, obs, ArtifactName(jobID, TrainLogFile), filepath.Join(dir, TrainLogFile))
}

func (st *uploadStats) put(ctx context.Context, obs jetstream.ObjectStore, name, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := obs.Put(ctx, jetstream.ObjectMeta{Name: name}, f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	st.Files++
	st.Bytes += int64(info.Size)
	return nil
}
