package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --trainer NAME=PATH: a relative path is made absolute (trainers run in
// the job's folder), a missing program is refused at start, not at the
// first job.
func TestTrainerFlag(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile(filepath.Join(dir, "tr.sh"), []byte("#!/bin/sh\n"), 0o755)
	p, err := ParseTrainerFlag("mine=./tr.sh")
	if err != nil || p.Path != filepath.Join(dir, "tr.sh") || p.TrainerInfo.Name != "mine" || len(p.TrainerInfo.ConfigSchema) == 0 {
		t.Fatalf("%+v %v", p, err)
	}
	// A bare name is a command on $PATH.
	t.Setenv("PATH", dir)
	if p, err := ParseTrainerFlag("mine=tr.sh"); err != nil || p.Path != filepath.Join(dir, "tr.sh") {
		t.Fatalf("a command on $PATH: %+v %v", p, err)
	}
	for v, want := range map[string]string{"mine=./nope": "no such file", "mine=nope": "not found", "mine": "NAME=PATH", "bad name=./tr.sh": "use letters"} {
		if _, err := ParseTrainerFlag(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", v, err, want)
		}
	}
}
