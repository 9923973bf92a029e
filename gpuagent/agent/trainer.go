package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// Trainer is something the agent can train with. The trainer itself is a
// process (see CONTRACT.md): Command builds it, the agent starts it in its
// own process group with the job folder as its working directory, reads
// its stdout and stderr, and stops it with SIGTERM then SIGKILL. Command
// must not start the process, and should not use exec.CommandContext: the
// agent owns the process's life.
type Trainer interface {
	Info() jobproto.TrainerInfo
	Command(ctx context.Context, jobDir string, cfg map[string]any) (*exec.Cmd, error)
}

// ProcessTrainer runs an executable: Path Args... --job-dir DIR --config DIR/config.json.
type ProcessTrainer struct {
	TrainerInfo jobproto.TrainerInfo
	Path        string
	Args        []string
}

// Info describes the trainer.
func (p ProcessTrainer) Info() jobproto.TrainerInfo { return p.TrainerInfo }

// Command is Path with Args and the contract's two flags.
func (p ProcessTrainer) Command(_ context.Context, jobDir string, _ map[string]any) (*exec.Cmd, error) {
	if p.Path == "" {
		return nil, errors.New("process trainer: no path")
	}
	args := append(append([]string(nil), p.Args...), "--job-dir", jobDir, "--config", filepath.Join(jobDir, ConfigFile))
	return exec.Command(p.Path, args...), nil
}

// ParseTrainerFlag reads a --trainer NAME=PATH flag: a program that
// speaks the trainer contract, offered with the spec's config schema.
// The path is made absolute (trainers run in the job's folder; a bare name
// is looked up on $PATH) and must exist now, not at the first job.
func ParseTrainerFlag(v string) (ProcessTrainer, error) {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return ProcessTrainer{}, fmt.Errorf("--trainer wants NAME=PATH, not %q", v)
	}
	if !jobproto.ValidToken(name) {
		return ProcessTrainer{}, fmt.Errorf("trainer name %q: use letters, digits, - and _", name)
	}
	var abs string
	var err error
	if strings.ContainsRune(path, filepath.Separator) || strings.ContainsRune(path, '/') {
		abs, err = filepath.Abs(path)
		if err == nil {
			_, err = os.Stat(abs)
		}
	} else { // a bare name is a command on $PATH, as a shell finds it
		abs, err = exec.LookPath(path)
		if err == nil {
			abs, err = filepath.Abs(abs)
		}
	}
	if err != nil {
		return ProcessTrainer{}, fmt.Errorf("trainer %s: %w", name, err)
	}
	return ProcessTrainer{Path: abs, TrainerInfo: jobproto.TrainerInfo{Name: name, Label: name,
		Description: "a trainer program at " + abs, ConfigSchema: jobproto.SpecSchema()}}, nil
}
