//go:build unix

package agent

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// agentBinary builds the gpuagent command once, or is the one named by
// TESSERA_GPUAGENT_BIN (a machine without Go, such as the GPU box that
// bench/gpu/run.sh checks on).
func agentBinary(t *testing.T) string {
	if bin := os.Getenv("TESSERA_GPUAGENT_BIN"); bin != "" {
		return bin
	}
	return buildOnce(t, "..", "gpuagent")
}

// process is a started gpuagent binary; its stdout is collected.
type process struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
	hit chan string // lines matching watchFor
}

func startBinary(t *testing.T, watchFor *regexp.Regexp, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(agentBinary(t), args...), hit: make(chan string, 10)}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &lockedWriter{p: p}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if watchFor != nil && watchFor.MatchString(sc.Text()) {
				p.hit <- sc.Text()
			}
		}
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		if t.Failed() {
			t.Logf("gpuagent output:\n%s", p.output())
		}
	})
	return p
}

type lockedWriter struct{ p *process }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *process) waitHit(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case s := <-p.hit:
		return s
	case <-time.After(d):
		t.Fatalf("gpuagent did not print the expected line:\n%s", p.output())
		return ""
	}
}

// stopBinary sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("gpuagent exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("gpuagent did not stop on SIGTERM")
	}
}

func TestBinaryRunsJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ready := regexp.MustCompile(`agent bin-agent .* ready`)
	p := startBinary(t, ready, "--broker", e.b.ClientURL(), "--token", testToken, "--name", "bin-agent",
		"--workdir", t.TempDir(), "--trainer", "fake="+fakeTrainerPath(t), "--ack-wait", "5s")
	p.waitHit(t, 30*time.Second)

	w := e.watch("b1")
	e.publishJob(jobproto.JobMessage{JobID: "b1", Config: map[string]any{"epochs": 2}},
		jobproto.WorkerSubject("bin-agent", "b1"))
	st := w.waitStatus(30*time.Second, 1, jobproto.StatusCompleted)
	if st.Worker != "bin-agent" {
		t.Errorf("worker %q", st.Worker)
	}
	if got, err := e.artifact("jobs/b1/models/model.bin"); err != nil || string(got) != "fake model weights" {
		t.Errorf("model: %q %v", got, err)
	}
	e.waitJobsEmpty(5 * time.Second)
	kv, _ := e.js.KeyValue(testCtx(t), broker.BucketWorkers)
	if _, err := kv.Get(testCtx(t), "bin-agent"); err != nil {
		t.Errorf("heartbeat: %v", err)
	}
	p.stop(t)
	if _, err := kv.Get(testCtx(t), "bin-agent"); err == nil {
		t.Error("heartbeat still there after SIGTERM")
	}
}

func TestBinaryWrongToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cmd := exec.Command(agentBinary(t), "--broker", e.b.ClientURL(), "--token", "wrong-token-0123456789")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v", err)
	}
	if !strings.Contains(stderr.String(), "broker refused the token") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// gpuagent --listen hosts a broker and trains on it: a lab PC's app can
// point straight at the GPU box.
func TestBinaryHostsBroker(t *testing.T) {
	t.Parallel()
	hosting := regexp.MustCompile(`hosting a broker at (nats://\S+)|agent \S+ .* ready`)
	p := startBinary(t, hosting, "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--token", testToken,
		"--name", "box", "--workdir", t.TempDir(), "--trainer", "fake="+fakeTrainerPath(t))
	url := hosting.FindStringSubmatch(p.waitHit(t, 30*time.Second))[1]
	p.waitHit(t, 30*time.Second) // the agent is ready

	nc, err := broker.Connect(testCtx(t), url, testToken, "lab-pc")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	e := &env{t: t, js: js}
	w := e.watch("h1")
	e.publishJob(jobproto.JobMessage{JobID: "h1", Config: map[string]any{"epochs": 1}}, "")
	w.waitStatus(30*time.Second, 1, jobproto.StatusCompleted)
	p.stop(t)
}

// A relative --workdir works: trainers, which run in their job folder, get
// absolute paths.
func TestBinaryRelativeWorkdir(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, t.TempDir())
	if err != nil || filepath.IsAbs(rel) {
		t.Skip("no relative path to the temp dir")
	}
	ready := regexp.MustCompile(`agent rel-agent .* ready`)
	p := startBinary(t, ready, "--broker", e.b.ClientURL(), "--token", testToken, "--name", "rel-agent",
		"--workdir", rel, "--trainer", "fake="+fakeTrainerPath(t), "--no-gpu-trainer")
	p.waitHit(t, 30*time.Second)
	w := e.watch("r1")
	e.publishJob(jobproto.JobMessage{JobID: "r1", Config: map[string]any{"epochs": 1}}, jobproto.WorkerSubject("rel-agent", "r1"))
	w.waitStatus(30*time.Second, 1, jobproto.StatusCompleted)
	p.stop(t)
}
