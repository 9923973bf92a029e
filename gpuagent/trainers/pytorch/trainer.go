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
// a job folder; it runs as `python3 -m tessera_trainer` from the folder
// that holds it.
const Package = "tessera_trainer"

//go:embed tessera_trainer/*.py
var source embed.FS

// WritePackage writes the trainer's Python package into dir (as
// dir/tessera_trainer/), replacing what an earlier copy had.
func WritePackage(dir string) error {
	pkg := filepath.Join(dir, Package)
	if err := os.RemoveAll(pkg); err != nil {
		return err
	}
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return err
	}
	files, err := fs.ReadDir(source, Package)
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := source.ReadFile(Package + "/" + f.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(pkg, f.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// moduleArgs is the interpreter's command line for the package: run it
// from the folder that holds it.
func moduleArgs(args ...string) []string { return append([]string{"-u", "-m", Package}, args...) }

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
	if err := WritePackage(jobDir); err != nil {
		return nil, fmt.Errorf("writing the trainer: %w", err)
	}
	args := []string{"--job-dir", jobDir, "--config", filepath.Join(jobDir, agent.ConfigFile)}
	if arch, _ := cfg["model_architecture"].(string); t.Pretrained[arch] != "" {
		args = append(args, "--pretrained", t.Pretrained[arch])
	}
	cmd := exec.Command(interpreter(t.Python), moduleArgs(args...)...)
	cmd.Dir = jobDir
	return cmd, nil
}
