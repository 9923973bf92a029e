package pytorch

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/gpuagent/agent"
)

// Name is the trainer's name in a worker's list.
const Name = "pytorch"

// ScriptFile is trainer.py's name in the job folder.
const ScriptFile = "tessera_trainer.py"

//go:embed trainer.py
var script []byte

// Script is the embedded trainer program.
func Script() []byte { return script }

// Trainer runs trainer.py with a host's Python.
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

// Command writes trainer.py into the job folder and returns the command
// that runs it.
func (t Trainer) Command(_ context.Context, jobDir string, cfg map[string]any) (*exec.Cmd, error) {
	path := filepath.Join(jobDir, ScriptFile)
	if err := os.WriteFile(path, script, 0o644); err != nil {
		return nil, fmt.Errorf("writing %s: %w", ScriptFile, err)
	}
	python := t.Python
	if python == "" {
		python = DefaultPython
	}
	args := []string{"-u", path, "--job-dir", jobDir, "--config", filepath.Join(jobDir, agent.ConfigFile)}
	if arch, _ := cfg["model_architecture"].(string); t.Pretrained[arch] != "" {
		args = append(args, "--pretrained", t.Pretrained[arch])
	}
	return exec.Command(python, args...), nil
}
