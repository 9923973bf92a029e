package agent

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// resumeRoot holds one folder per job whose trainer may leave checkpoints
// for a later attempt on this agent (TESSERA_RESUME_DIR).
const resumeRoot = "tessera-resume"

// staleResume is the age after which a job's checkpoint folder is taken to
// belong to a job that ended elsewhere, and removed at start.
const staleResume = 7 * 24 * time.Hour

// resumeDir is the checkpoint folder of a job: it outlives the job's
// attempts on this agent and goes when the job ends.
func (c Config) resumeDir(jobID string) string {
	return filepath.Join(c.WorkDir, resumeRoot, "job-"+jobID)
}

// removeResume removes a job's checkpoint folder, and the folder of them
// all when it is left empty: a work folder with no jobs holds nothing.
func (c Config) removeResume(jobID string) error {
	if err := os.RemoveAll(c.resumeDir(jobID)); err != nil {
		return err
	}
	os.Remove(filepath.Join(c.WorkDir, resumeRoot)) // fails while another job has one
	return nil
}

// cleanResume removes checkpoint folders untouched for staleResume: their
// jobs ended on another agent or were deleted.
func (c Config) cleanResume(now time.Time) {
	root := filepath.Join(c.WorkDir, resumeRoot)
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "job-") {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleResume {
			if err := os.RemoveAll(filepath.Join(root, e.Name())); err == nil {
				c.Logf("removed the checkpoints of job %s (untouched since %s)", strings.TrimPrefix(e.Name(), "job-"), info.ModTime().Format(time.DateOnly))
			}
		}
	}
}
