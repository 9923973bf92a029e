package pytorch

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/gpuagent/agent"
)

// Name is the trainer's name in a worker's list.
const Name = "pytorch"

// Package is the trainer's Python package, as embedded and as written into
// a job folder's Home.
const Package = "tessera_trainer"

// Home is the folder, inside a job folder, that holds the package and its
// launcher. The launcher runs as a script, so Python's import path starts
// at Home: the job folder itself, which holds the training set's files, is
// never on it (a json.py there must not replace the standard library's).
const Home = ".tessera-trainer"

const launcherName = "launch.py"

const launcher = `"""Runs tessera_trainer, found next to this file; see the package's doc."""
import runpy

runpy.run_module("tessera_trainer", run_name="__main__", alter_sys=True)
`

//go:embed tessera_trainer/*.py
var source embed.FS

// WritePackage writes the trainer's launcher and Python package into
// dir/Home, replacing whatever was there (the training set may have held
// anything under that name); it returns the launcher's path.
func WritePackage(dir string) (string, error) {
	home := filepath.Join(dir, Home)
	pkg := filepath.Join(home, Package)
	if err := os.RemoveAll(home); err != nil {
		return "", err
	}
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return "", err
	}
	files, err := fs.ReadDir(source, Package)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		b, err := source.ReadFile(Package + "/" + f.Name())
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(pkg, f.Name()), b, 0o644); err != nil {
			return "", err
		}
	}
	path := filepath.Join(home, launcherName)
	return path, os.WriteFile(path, []byte(launcher), 0o644)
}

// scriptArgs is the interpreter's command line for the launcher.
func scriptArgs(launcher string, args ...string) []string {
	return append([]string{"-u", launcher}, args...)
}

func interpreter(python string) string {
	if python == "" {
		return DefaultPython
	}
	return python
}

// Trainer runs the tessera_trainer package with a host's Python.
type Trainer struct {
	Python string // the interpreter, e.g. "python3"
	// Pretrained maps a model_architecture to a local weights file that
	// jobs of that architecture start from (random weights otherwise).
	Pretrained map[string]string
	Host       Report // what Probe found, for the description
}

// Info describes the trainer with its config schema.
func (t Trainer) Info() jobproto.TrainerInfo {
	desc := "UperNet with a ConvNeXt backbone (Hugging Face transformers), trained with PyTorch"
	if t.Host.GPUName != "" {
		desc += " on " + t.Host.GPUName
	}
	desc += ": bf16, a checkpoint every epoch"
	if t.Host.ONNX != nil {
		desc += ", an ONNX export of the best model"
	}
	desc += "."
	return jobproto.TrainerInfo{Name: Name, Label: "UperNet ConvNeXt on the GPU (PyTorch)", Description: desc,
		ConfigSchema: Schema()}
}

// Command writes the trainer's package into the job folder and returns
// the command that runs it there.
func (t Trainer) Command(_ context.Context, jobDir string, cfg map[string]any) (*exec.Cmd, error) {
	launch, err := WritePackage(jobDir)
	if err != nil {
		return nil, fmt.Errorf("writing the trainer: %w", err)
	}
	args := []string{"--job-dir", jobDir, "--config", filepath.Join(jobDir, agent.ConfigFile)}
	if arch, _ := cfg["model_architecture"].(string); t.Pretrained[arch] != "" {
		args = append(args, "--pretrained", t.Pretrained[arch])
	}
	cmd := exec.Command(interpreter(t.Python), scriptArgs(launch, args...)...)
	cmd.Dir = jobDir
	return cmd, nil
}
