//go:build unix

package cpu

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu/synth"
)

// TestSIGTERM starts the trainer as a process, lets it finish an epoch,
// sends SIGTERM, and expects a quick exit with status 143 and the epoch's
// checkpoint left loadable.
func TestSIGTERM(t *testing.T) {
	dir := newJob(t, synth.Options{Tiles: 12, Val: 2, Size: 64, Classes: 1, Seed: 2},
		map[string]any{"epochs": 1000, "batch_size": 2, "input_size": "64", "width": 4})
	cmd := exec.Command(os.Args[0], "--job-dir", dir, "--config", filepath.Join(dir, "config.json"))
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Epoch 1 done") {
			break
		}
	}
	go func() {
		for sc.Scan() { // keep the pipe drained
		}
	}()
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the trainer did not stop within 10 s of SIGTERM")
	}
	t.Logf("stopped %.2fs after SIGTERM", time.Since(sent).Seconds())
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitStopped {
		t.Fatalf("exit: %v, want status %d; stderr %q", err, exitStopped, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped by a signal") {
		t.Errorf("stderr %q", stderr.String())
	}
	if _, err := loadPredictor(filepath.Join(dir, "models"), "last.safetensors"); err != nil {
		t.Errorf("checkpoint: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "metrics.json")); err == nil {
		t.Error("a stopped run wrote metrics.json")
	}
}
