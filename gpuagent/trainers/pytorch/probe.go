package pytorch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// DefaultPython is the interpreter used when none is named.
const DefaultPython = "python3"

// ProbeTimeout bounds the probe: importing torch can take a while.
const ProbeTimeout = 2 * time.Minute

// Report is what `python3 -m tessera_trainer --probe` says of a host.
type Report struct {
	OK           bool     `json:"ok"`
	Missing      []string `json:"missing"`
	Python       string   `json:"python"`
	Torch        string   `json:"torch"`
	Transformers string   `json:"transformers"`
	CUDA         bool     `json:"cuda"`
	CUDAVersion  string   `json:"cuda_version"`
	GPUName      string   `json:"gpu_name"`
	GPUMemoryMB  int      `json:"gpu_memory_mb"`
	GPUCount     int      `json:"gpu_count"`
	BF16         bool     `json:"bf16"`
	ONNX         *string  `json:"onnx"`
	ONNXRuntime  *string  `json:"onnxruntime"`
}

// Summary is the report in one line for the agent's log.
func (r Report) Summary() string {
	if !r.OK {
		return "missing " + strings.Join(r.Missing, "; ")
	}
	s := fmt.Sprintf("%s (%d MiB), CUDA %s, Python %s, torch %s, transformers %s",
		r.GPUName, r.GPUMemoryMB, r.CUDAVersion, r.Python, r.Torch, r.Transformers)
	if r.ONNX == nil {
		s += "; no onnx package: models will have no ONNX export"
	}
	return s
}

// Probe runs the embedded trainer's --probe with python and reads its
// report. An error means the probe itself could not run (no such
// interpreter, a crash): the host cannot run the trainer either.
func Probe(ctx context.Context, python string) (Report, error) {
	if python == "" {
		python = DefaultPython
	}
	dir, err := os.MkdirTemp("", "tessera-probe-")
	if err != nil {
		return Report{}, err
	}
	defer os.RemoveAll(dir)
	launch, err := WritePackage(dir)
	if err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, scriptArgs(launch, "--probe")...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg != "" {
			return Report{}, fmt.Errorf("%s: %w: %s", python, err, msg)
		}
		return Report{}, fmt.Errorf("%s: %w", python, err)
	}
	out := strings.TrimSpace(stdout.String())
	if i := strings.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:] // the report is the last line; imports may print before it
	}
	var r Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return Report{}, fmt.Errorf("%s --probe printed %q: %w", python, out, err)
	}
	return r, nil
}

// Offer probes the host and returns the trainer when the host can run it;
// logf gets one line either way.
func Offer(ctx context.Context, python string, pretrained map[string]string, logf func(string, ...any)) (Trainer, bool) {
	r, err := Probe(ctx, python)
	switch {
	case err != nil:
		logf("GPU trainer %q not offered: the probe failed: %v", Name, err)
		return Trainer{}, false
	case !r.OK:
		logf("GPU trainer %q not offered: %s", Name, r.Summary())
		return Trainer{}, false
	}
	logf("GPU trainer %q offered: %s", Name, r.Summary())
	return Trainer{Python: python, Pretrained: pretrained, Host: r}, true
}
