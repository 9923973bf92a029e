package pytorch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// The form a class sees: the spec's four fields first, with its defaults,
// then the trainer's own.
func TestSchemaIsTheSpecsPlusTheTrainers(t *testing.T) {
	s := Schema()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range s {
		names = append(names, f.Name)
	}
	want := []string{"batch_size", "epochs", "model_architecture", "learning_rate", "input_size", "precision", "compile", "seed"}
	if !slices.Equal(names, want) {
		t.Errorf("fields %v, want %v", names, want)
	}
	// The spec's fields keep its labels and help texts, and its one
	// architecture its label.
	for i, f := range jobproto.SpecSchema() {
		if s[i].Label != f.Label || s[i].HelpText != f.HelpText {
			t.Errorf("%s: %q / %q, the spec says %q / %q", f.Name, s[i].Label, s[i].HelpText, f.Label, f.HelpText)
		}
	}
	if arch, _ := s.Field("model_architecture"); arch.Choices[0] != (jobproto.Choice{Value: "upernet-convnext-base", Label: "UperNet ConvNeXt Base"}) {
		t.Errorf("first architecture %+v", arch.Choices[0])
	}
	cfg, errs := jobproto.Validate(s, map[string]any{})
	if errs != nil {
		t.Fatal(errs)
	}
	for k, v := range map[string]any{"batch_size": 8, "epochs": 10, "model_architecture": "upernet-convnext-base",
		"learning_rate": 0.001, "input_size": "512", "precision": "bf16", "compile": false} {
		if cfg[k] != v {
			t.Errorf("default %s = %v, want %v", k, cfg[k], v)
		}
	}
	for _, bad := range []map[string]any{
		{"model_architecture": "resnet-50"}, {"precision": "fp8"}, {"input_size": "500"}, {"batch_size": 0}, {"learning_rate": 2.0},
	} {
		if _, errs := jobproto.Validate(s, bad); errs == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// python3 runs the trainer here without torch: enough to check that it
// reads every config the schema lets through as the agent writes it, and
// refuses what the schema refuses, naming the field.
func TestTrainerReadsTheSchemasConfig(t *testing.T) {
	py, err := exec.LookPath(DefaultPython)
	if err != nil {
		t.Skip("no python3 on this machine")
	}
	dir := t.TempDir()
	launch, err := WritePackage(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The job folder is the training set's: a json.py there must not be
	// what the trainer imports as json.
	os.WriteFile(filepath.Join(dir, "json.py"), []byte("raise SystemExit('the job folder json.py was imported')\n"), 0o644)
	check := func(cfg map[string]any) (string, error) {
		b, _ := json.Marshal(cfg)
		path := filepath.Join(dir, "config.json")
		os.WriteFile(path, b, 0o644)
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(py, scriptArgs(launch, "--check-config", "--config", path)...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			return stderr.String(), err
		}
		return stdout.String(), nil
	}
	for _, given := range []map[string]any{
		{},
		{"model_architecture": "upernet-convnext-tiny", "input_size": "128", "precision": "fp32", "compile": true, "batch_size": 2},
	} {
		cfg, errs := jobproto.Validate(Schema(), given)
		if errs != nil {
			t.Fatal(errs)
		}
		out, err := check(cfg)
		if err != nil {
			t.Fatalf("the trainer refuses %v: %v %s", cfg, err, out)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err, out)
		}
		for k, v := range cfg {
			want := jsonText(v)
			if k == "input_size" { // a choice's value is text; the trainer reads the number
				want = v.(string)
			}
			if g := jsonText(got[k]); g != want {
				t.Errorf("%s: the trainer read %s, the agent wrote %s", k, g, want)
			}
		}
	}
	out, err := check(map[string]any{"model_architecture": "resnet-50", "precision": "fp8"})
	if err == nil || !strings.Contains(out, "model_architecture must be one of") || !strings.Contains(out, "precision must be") {
		t.Errorf("a bad config: %v %s", err, out)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCommandWritesThePackageAndPassesPretrainedWeights(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, Home, Package)
	os.MkdirAll(pkg, 0o755)
	os.WriteFile(filepath.Join(pkg, "stale.py"), []byte("raise SystemExit(9)"), 0o644) // an archive's leftover
	tr := Trainer{Python: "/opt/py/bin/python3", Pretrained: map[string]string{"upernet-convnext-base": "/w/base.safetensors"}}
	cmd, err := tr.Command(context.Background(), dir, map[string]any{"model_architecture": "upernet-convnext-base"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := fs.ReadDir(source, Package)
	got, err := os.ReadDir(pkg)
	if err != nil || len(got) != len(want) || len(want) < 10 {
		t.Fatalf("the job folder's package has %d files, the embedded one %d: %v", len(got), len(want), err)
	}
	for _, f := range want {
		a, _ := source.ReadFile(Package + "/" + f.Name())
		if b, err := os.ReadFile(filepath.Join(pkg, f.Name())); err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs from the embedded one: %v", f.Name(), err)
		}
	}
	wantArgs := []string{"/opt/py/bin/python3", "-u", filepath.Join(dir, Home, "launch.py"), "--job-dir", dir,
		"--config", filepath.Join(dir, "config.json"), "--pretrained", "/w/base.safetensors"}
	if !slices.Equal(cmd.Args, wantArgs) || cmd.Dir != dir {
		t.Errorf("command %q in %s, want %q in %s", cmd.Args, cmd.Dir, wantArgs, dir)
	}
	cmd, _ = tr.Command(context.Background(), dir, map[string]any{"model_architecture": "upernet-convnext-tiny"})
	if slices.Contains(cmd.Args, "--pretrained") {
		t.Errorf("a tiny job got the base weights: %q", cmd.Args)
	}
}

// fakePython is an interpreter that prints report for --probe.
func fakePython(t *testing.T, report string) string {
	path := filepath.Join(t.TempDir(), "python3")
	os.WriteFile(path, []byte("#!/bin/sh\necho 'importing…'\necho '"+report+"'\n"), 0o755)
	return path
}

func TestOfferOnlyWhatTheHostCanRun(t *testing.T) {
	var logged []string
	logf := func(f string, a ...any) { logged = append(logged, strings.TrimSpace(sprintf(f, a...))) }

	gpu := fakePython(t, `{"ok":true,"missing":[],"python":"3.12.3","torch":"2.11.0","transformers":"5.17.0","cuda":true,"cuda_version":"13.0","gpu_name":"NVIDIA H100 80GB HBM3","gpu_memory_mb":81559,"gpu_count":1,"bf16":true,"onnx":"1.23.1","onnxruntime":"1.30.0"}`)
	tr, ok := Offer(context.Background(), gpu, nil, logf)
	if !ok || tr.Python != gpu || !strings.Contains(tr.Info().Description, "NVIDIA H100") || !strings.Contains(tr.Info().Description, "ONNX") {
		t.Errorf("a GPU host: offered %v, %+v", ok, tr.Info())
	}
	if !strings.Contains(logged[0], `GPU trainer "pytorch" offered: NVIDIA H100 80GB HBM3 (81559 MiB)`) {
		t.Errorf("log: %q", logged[0])
	}

	laptop := fakePython(t, `{"ok":false,"missing":["a CUDA GPU (torch 2.11.0 sees none)"],"python":"3.12.3","torch":"2.11.0","cuda":false}`)
	if _, ok := Offer(context.Background(), laptop, nil, logf); ok {
		t.Error("offered on a host without a GPU")
	}
	if !strings.Contains(logged[1], "not offered: missing a CUDA GPU (torch 2.11.0 sees none)") {
		t.Errorf("log: %q", logged[1])
	}

	if _, ok := Offer(context.Background(), filepath.Join(t.TempDir(), "no-python"), nil, logf); ok {
		t.Error("offered without an interpreter")
	}
	if !strings.Contains(logged[2], "not offered: the probe failed") {
		t.Errorf("log: %q", logged[2])
	}

	// The real python3 of this machine, whatever it has: the report parses
	// and, without torch, says so.
	if py, err := exec.LookPath(DefaultPython); err == nil {
		r, err := Probe(context.Background(), py)
		if err != nil {
			t.Fatalf("probe with %s: %v", py, err)
		}
		if r.Python == "" || (r.Torch == "" && (r.OK || !strings.Contains(strings.Join(r.Missing, ";"), "torch"))) {
			t.Errorf("probe of %s: %+v", py, r)
		}
	}
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
