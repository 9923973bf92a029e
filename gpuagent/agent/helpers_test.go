package agent

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

const testToken = "0123456789abcdef-agent-test"

// binDir holds the programs the tests build once per test binary run.
var binDir string

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "gpuagent-test-bin-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

var (
	buildMu   sync.Mutex
	built     = map[string]string{}
	buildErrs = map[string]error{}
)

// buildOnce runs "go build" on a package of this module once and returns
// the executable.
func buildOnce(t *testing.T, pkg, name string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok || buildErrs[pkg] != nil {
		if buildErrs[pkg] != nil {
			t.Fatal(buildErrs[pkg])
		}
		return p
	}
	out := filepath.Join(binDir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if msg, err := cmd.CombinedOutput(); err != nil {
		buildErrs[pkg] = fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
		t.Fatal(buildErrs[pkg])
	}
	built[pkg] = out
	return out
}

func fakeTrainerPath(t *testing.T) string {
	return buildOnce(t, "./testdata/faketrainer", "faketrainer")
}

// fakeTrainer is the test trainer with its config fields.
func fakeTrainer(t *testing.T) ProcessTrainer {
	s := append(jobproto.SpecSchema(),
		jobproto.Field{Name: "behaviour", Type: jobproto.TypeString, Label: "Behaviour", Default: "train"},
		jobproto.Field{Name: "crash_after", Type: jobproto.TypeInteger, Label: "Crash after", Default: 0},
		jobproto.Field{Name: "hang_until", Type: jobproto.TypeInteger, Label: "Hang until attempt", Default: 0},
		jobproto.Field{Name: "spawn_child", Type: jobproto.TypeBoolean, Label: "Spawn child", Default: false},
		jobproto.Field{Name: "ignore_term", Type: jobproto.TypeBoolean, Label: "Ignore SIGTERM", Default: false},
		jobproto.Field{Name: "lines", Type: jobproto.TypeInteger, Label: "Lines", Default: 0},
		jobproto.Field{Name: "rate", Type: jobproto.TypeInteger, Label: "Rate", Default: 0},
		jobproto.Field{Name: "seconds", Type: jobproto.TypeFloat, Label: "Seconds", Default: 0.0},
		jobproto.Field{Name: "class_iou", Type: jobproto.TypeBoolean, Label: "Class IoU", Default: false},
	)
	return ProcessTrainer{
		TrainerInfo: jobproto.TrainerInfo{Name: "fake", Label: "Fake", Description: "test trainer", ConfigSchema: s},
		Path:        fakeTrainerPath(t),
	}
}

// testCtx ends with the test or after a minute.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// env is a listening broker for one test.
type env struct {
	t  *testing.T
	b  *broker.Broker
	js jetstream.JetStream
}

func newEnv(t *testing.T) *env {
	t.Helper()
	b, err := broker.Start(testCtx(t), broker.Config{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", Token: testToken, AgentsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &env{t: t, b: b, js: b.JetStream()}
}

// conn is a new TCP connection to the broker, as an agent's.
func (e *env) conn() *nats.Conn {
	e.t.Helper()
	nc, err := broker.Connect(testCtx(e.t), e.b.ClientURL(), testToken, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(nc.Close)
	return nc
}

// runningAgent is an agent started by a test.
type runningAgent struct {
	cfg    Config
	cancel context.CancelFunc
	done   chan error
}

// startAgent runs an agent over its own connection until the test ends.
func (e *env) startAgent(cfg Config) *runningAgent {
	e.t.Helper()
	if cfg.Conn == nil {
		cfg.Conn = e.conn()
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = e.t.TempDir()
	}
	if cfg.Trainers == nil {
		cfg.Trainers = []Trainer{fakeTrainer(e.t)}
	}
	if cfg.Logf == nil {
		t := e.t
		cfg.Logf = func(f string, a ...any) { t.Logf(cfg.Name+": "+f, a...) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &runningAgent{cfg: cfg, cancel: cancel, done: make(chan error, 1)}
	go func() { a.done <- Run(ctx, cfg) }()
	e.t.Cleanup(func() { a.stop(e.t) })
	return a
}

// stop cancels the agent and waits for Run to return.
func (a *runningAgent) stop(t *testing.T) error {
	a.cancel()
	select {
	case err, ok := <-a.done:
		if ok {
			close(a.done)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Errorf("agent %s did not stop", a.cfg.Name)
		return nil
	}
}

// trainingSet builds a tiny trainingjob archive and puts it in the
// trainingsets bucket under name.
func (e *env) trainingSet(name string) {
	e.t.Helper()
	files := map[string]string{
		"trainingjob-7/metadata.json":  `{"classes":["flower","leaf"]}`,
		"trainingjob-7/images/a.png":   "png a",
		"trainingjob-7/images/b.png":   "png b",
		"trainingjob-7/labels/a.json":  "{}",
		"trainingjob-7/masks/a.png":    "mask",
		"trainingjob-7/config.json":    `{"stale":true}`,
		"trainingjob-7/models/.keep":   "",
		"trainingjob-7/images/sub/c.p": "c",
	}
	obs, err := e.js.ObjectStore(testCtx(e.t), broker.BucketTrainingSets)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := obs.PutBytes(testCtx(e.t), name, tarGz(e.t, files)); err != nil {
		e.t.Fatal(err)
	}
}

func tarGz(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// publishJob puts a job in JOBS for the pool "default", or for a worker
// when subject says so, with a training set of its own.
func (e *env) publishJob(m jobproto.JobMessage, subject string) {
	e.t.Helper()
	if m.Trainer == "" {
		m.Trainer = "fake"
	}
	if m.TrainingSet == "" {
		m.TrainingSet = "set-" + m.JobID + ".tar.gz"
		e.trainingSet(m.TrainingSet)
	}
	if subject == "" {
		subject = jobproto.PoolSubject(DefaultPool, m.JobID)
	}
	m.CreatedAt = time.Now().UTC()
	data, _ := json.Marshal(m)
	if _, err := e.js.Publish(testCtx(e.t), subject, data, jetstream.WithMsgID(m.JobID)); err != nil {
		e.t.Fatal(err)
	}
}

// watch collects a job's events from EVENTS.
type watch struct {
	t        *testing.T
	mu       sync.Mutex
	statuses []jobproto.StatusEvent
	logs     []jobproto.LogEvent
	metrics  []jobproto.MetricEvent
	// linesBefore[i] is how many log lines had arrived before metrics[i].
	linesBefore []int
	changed     chan struct{}
	onLog       func(jobproto.LogEvent, time.Time)
}

func (e *env) watch(jobID string) *watch {
	return e.watchWith(jobID, nil)
}

// watchWith calls onLog (if set) with each log event and when it arrived.
func (e *env) watchWith(jobID string, onLog func(jobproto.LogEvent, time.Time)) *watch {
	e.t.Helper()
	w := &watch{t: e.t, changed: make(chan struct{}, 1), onLog: onLog}
	c, err := e.js.OrderedConsumer(testCtx(e.t), broker.StreamEvents, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"tessera.job." + jobID + ".>"},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	cc, err := c.Consume(func(m jetstream.Msg) { w.add(m) })
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(cc.Stop)
	return w
}

func (w *watch) add(m jetstream.Msg) {
	now := time.Now()
	kind := m.Subject()[strings.LastIndexByte(m.Subject(), '.')+1:]
	var err error
	w.mu.Lock()
	switch kind {
	case jobproto.KindStatus:
		var ev jobproto.StatusEvent
		if err = json.Unmarshal(m.Data(), &ev); err == nil {
			w.statuses = append(w.statuses, ev)
			err = checkMsgID(m, ev.JobID, ev.Attempt, kind, ev.Seq)
		}
	case jobproto.KindLog:
		var ev jobproto.LogEvent
		if err = json.Unmarshal(m.Data(), &ev); err == nil {
			w.logs = append(w.logs, ev)
			if w.onLog != nil {
				w.onLog(ev, now)
			}
			err = checkMsgID(m, ev.JobID, ev.Attempt, kind, ev.Seq)
		}
	case jobproto.KindMetric:
		var ev jobproto.MetricEvent
		if err = json.Unmarshal(m.Data(), &ev); err == nil {
			w.metrics = append(w.metrics, ev)
			n := 0
			for _, l := range w.logs {
				n += len(l.Lines)
			}
			w.linesBefore = append(w.linesBefore, n)
			err = checkMsgID(m, ev.JobID, ev.Attempt, kind, ev.Seq)
		}
	}
	w.mu.Unlock()
	if err != nil {
		w.t.Errorf("%s: %v", m.Subject(), err)
	}
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// checkMsgID checks that an event was published with the Nats-Msg-Id that
// makes a republish a duplicate.
func checkMsgID(m jetstream.Msg, jobID string, attempt int, kind string, seq int64) error {
	want := jobproto.EventMsgID(jobID, attempt, kind, seq)
	if got := m.Headers().Get(jobproto.HeaderMsgID); got != want {
		return fmt.Errorf("Nats-Msg-Id %q, want %q", got, want)
	}
	return nil
}

// waitFor polls cond (under the lock) until it holds or d passes.
func (w *watch) waitFor(d time.Duration, what string, cond func(*watch) bool) {
	w.t.Helper()
	deadline := time.After(d)
	for {
		w.mu.Lock()
		ok := cond(w)
		w.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-w.changed:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			w.mu.Lock()
			defer w.mu.Unlock()
			w.t.Fatalf("timed out waiting for %s; statuses %s; last lines %q", what, w.statusList(), w.lastLines(10))
		}
	}
}

// waitStatus waits for a status event and returns it.
func (w *watch) waitStatus(d time.Duration, attempt int, status string) jobproto.StatusEvent {
	w.t.Helper()
	var got jobproto.StatusEvent
	w.waitFor(d, fmt.Sprintf("%s (attempt %d)", status, attempt), func(w *watch) bool {
		for _, s := range w.statuses {
			if s.Status == status && s.Attempt == attempt {
				got = s
				return true
			}
		}
		return false
	})
	return got
}

// statusList is the statuses in order, repeats (progress) folded:
// "1:STARTED 1:PROCESSING 1:COMPLETED".
func (w *watch) statusList() string {
	var out []string
	for _, s := range w.statuses {
		x := fmt.Sprintf("%d:%s", s.Attempt, s.Status)
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return strings.Join(out, " ")
}

// lines is every log line of an attempt, in seq order, checking that the
// numbering is contiguous from 1.
func (w *watch) lines(attempt int) []jobproto.LogLine {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []jobproto.LogLine
	for _, ev := range w.logs {
		if ev.Attempt != attempt {
			continue
		}
		if ev.Seq != int64(len(out))+1 {
			w.t.Fatalf("log event seq %d after %d lines", ev.Seq, len(out))
		}
		out = append(out, ev.Lines...)
	}
	return out
}

func (w *watch) lastLines(n int) []string {
	var all []string
	for _, ev := range w.logs {
		for _, l := range ev.Lines {
			all = append(all, l.Text)
		}
	}
	return all[max(0, len(all)-n):]
}

func texts(lines []jobproto.LogLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

// waitJobsEmpty waits until JOBS holds no message: every job was acked.
func (e *env) waitJobsEmpty(d time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for {
		s, err := e.js.Stream(testCtx(e.t), broker.StreamJobs)
		if err != nil {
			e.t.Fatal(err)
		}
		if s.CachedInfo().State.Msgs == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("JOBS still holds %d messages", s.CachedInfo().State.Msgs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// artifact reads an object from the artifacts bucket.
func (e *env) artifact(name string) ([]byte, error) {
	obs, err := e.js.ObjectStore(testCtx(e.t), broker.BucketArtifacts)
	if err != nil {
		return nil, err
	}
	return obs.GetBytes(testCtx(e.t), name)
}

// waitGone waits until no process has pid (zombies count as gone).
func waitGone(t *testing.T, d time.Duration, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(d)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still runs", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		p, _ := os.FindProcess(pid)
		return p.Signal(syscallZero) == nil
	}
	// "pid (comm) S …": the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// dirEmpty reports whether dir has no entries.
func dirEmpty(t *testing.T, dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) == 0
}
