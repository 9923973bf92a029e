package agent

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

func TestJobCompletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	work := t.TempDir()
	a := e.startAgent(Config{Name: "happy", WorkDir: work, AckWait: 2 * time.Second})
	w := e.watch("j1")
	e.publishJob(jobproto.JobMessage{JobID: "j1", ProjectID: "p1",
		Config: map[string]any{"epochs": 3, "class_iou": true}}, "")

	done := w.waitStatus(30*time.Second, 1, jobproto.StatusCompleted)
	if done.Progress != 1 || done.Worker != "happy" || !strings.Contains(done.Reason, "result files uploaded") {
		t.Errorf("COMPLETED event: %+v", done)
	}
	if got := w.statusList(); got != "1:STARTED 1:PROCESSING 1:COMPLETED" {
		t.Errorf("statuses %s", got)
	}
	w.mu.Lock()
	for i, s := range w.statuses {
		if s.Seq != int64(i+1) || s.JobID != "j1" {
			t.Errorf("status %d: seq %d job %q", i, s.Seq, s.JobID)
		}
	}
	// Metrics: one per epoch at least, the last of each epoch complete
	// with its classes (class lines update the epoch).
	last := map[int]jobproto.MetricEvent{}
	for i, m := range w.metrics {
		if m.Seq != int64(i+1) || m.Total != 3 {
			t.Errorf("metric %d: %+v", i, m)
		}
		last[m.Epoch] = m
	}
	w.mu.Unlock()
	for epoch := 1; epoch <= 3; epoch++ {
		m, ok := last[epoch]
		if !ok || m.ValIoU == nil || m.TrainLoss == nil || len(m.ClassIoU) != 2 {
			t.Errorf("epoch %d: %+v", epoch, m)
		}
	}
	if v := last[3].ValIoU; v == nil || *v != 1.0/3 && (*v < 0.3333 || *v > 0.3334) {
		t.Errorf("epoch 3 val IoU %v", v)
	}

	lines := texts(w.lines(1))
	// Each metric came after the log lines that hold its block.
	w.mu.Lock()
	for i, m := range w.metrics {
		header := fmt.Sprintf("Epoch [%d/3]: Training Status", m.Epoch)
		if at := slices.Index(lines, header); at < 0 || at+4 >= w.linesBefore[i] {
			t.Errorf("metric %d (epoch %d) published before its block (line %d, %d lines before it)", i, m.Epoch, at, w.linesBefore[i])
		}
	}
	w.mu.Unlock()
	for _, want := range []string{"Epoch [3/3]: Training Status", "- Class IoU [leaf]: 0.2000", "training done", "trainer exited with code 0"} {
		if !slices.Contains(lines, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if !strings.Contains(strings.Join(lines, "\n"), `3 images, metadata {"classes":["flower","leaf"]}`) {
		t.Errorf("trainer did not see the training set: %q", lines[:min(len(lines), 5)])
	}

	for name, want := range map[string]string{
		"jobs/j1/models/model.bin":    "fake model weights",
		"jobs/j1/predictions/a.png":   "png",
		"jobs/j1/metrics.json":        `{"best_val_iou":0.5}`,
		"jobs/j1/models/sub/ckpt.bin": strings.Repeat("\x00", 300<<10),
	} {
		got, err := e.artifact(name)
		if err != nil || string(got) != want {
			t.Errorf("artifact %s: %d bytes, %v", name, len(got), err)
		}
	}
	log, err := e.artifact("jobs/j1/train.log")
	if err != nil || !strings.Contains(string(log), "- Val IoU: 0.3333 (Validation IoU)\n") ||
		!strings.Contains(string(log), "[agent] trainer exited with code 0\n") {
		t.Errorf("train.log: %v\n%s", err, log)
	}

	e.waitJobsEmpty(5 * time.Second)
	if !dirEmpty(t, work) {
		t.Errorf("work folder not removed")
	}

	// The heartbeat is there while the agent runs and gone after.
	kv, _ := e.js.KeyValue(testCtx(t), broker.BucketWorkers)
	entry, err := kv.Get(testCtx(t), "happy")
	if err != nil {
		t.Fatal(err)
	}
	var info jobproto.WorkerInfo
	if err := json.Unmarshal(entry.Value(), &info); err != nil {
		t.Fatal(err)
	}
	if info.Pool != DefaultPool || len(info.Trainers) != 1 || info.Trainers[0].Name != "fake" ||
		info.Hardware.CPUCores == 0 || info.ID == "" || info.Slots != 1 {
		t.Errorf("heartbeat %+v", info)
	}
	if _, ok := info.Trainers[0].ConfigSchema.Field("hang_until"); !ok {
		t.Errorf("heartbeat schema %v", info.Trainers[0].ConfigSchema.Names())
	}
	if err := a.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := kv.Get(testCtx(t), "happy"); err == nil {
		t.Errorf("heartbeat still there after a clean stop")
	}
}

// The trainer runs with the agent's environment but not its broker token
// (not parallel: it sets the process's environment).
func TestTrainerDoesNotSeeTheAgentToken(t *testing.T) {
	t.Setenv("TESSERA_AGENT_TOKEN", testToken)
	e := newEnv(t)
	e.startAgent(Config{Name: "tidy", WorkDir: t.TempDir(), AckWait: 2 * time.Second})
	w := e.watch("j-env")
	e.publishJob(jobproto.JobMessage{JobID: "j-env", ProjectID: "p1", Config: map[string]any{"epochs": 1}}, "")
	w.waitStatus(30*time.Second, 1, jobproto.StatusCompleted)
	lines := strings.Join(texts(w.lines(1)), "\n")
	if !strings.Contains(lines, "agent token in my environment: false") {
		t.Errorf("the trainer saw the agent's token, or said nothing:\n%s", lines)
	}
}

func TestInvalidConfigFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startAgent(Config{Name: "strict"})
	w := e.watch("bad")
	e.publishJob(jobproto.JobMessage{JobID: "bad",
		Config: map[string]any{"batch_size": 2.5, "epochs": "ten", "colour": "red"}}, "")
	st := w.waitStatus(20*time.Second, 1, jobproto.StatusFailed)
	want := []jobproto.FieldError{
		{Field: "batch_size", Message: "must be a whole number, not 2.5"},
		{Field: "epochs", Message: `must be a whole number, not text "ten"`},
	}
	if len(st.Errors) != 3 || !slices.Equal(st.Errors[:2], want) || st.Errors[2].Field != "colour" ||
		!strings.HasPrefix(st.Reason, "invalid config: batch_size: must be a whole number") {
		t.Errorf("FAILED: %q %+v", st.Reason, st.Errors)
	}
	if got := w.statusList(); got != "1:STARTED 1:FAILED" {
		t.Errorf("statuses %s (the trainer must not start)", got)
	}
	e.waitJobsEmpty(5 * time.Second)
}

func TestUnknownTrainerFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startAgent(Config{Name: "plain"})
	w := e.watch("u1")
	e.publishJob(jobproto.JobMessage{JobID: "u1", Trainer: "pytorch"}, "")
	st := w.waitStatus(20*time.Second, 1, jobproto.StatusFailed)
	if st.Reason != `this agent has no trainer "pytorch" (it has fake)` {
		t.Errorf("reason %q", st.Reason)
	}
	e.waitJobsEmpty(5 * time.Second)
}

func TestTrainerCrashFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	work := t.TempDir()
	e.startAgent(Config{Name: "crashy", WorkDir: work})
	w := e.watch("c1")
	e.publishJob(jobproto.JobMessage{JobID: "c1",
		Config: map[string]any{"behaviour": "crash", "epochs": 5, "crash_after": 2}}, "")
	st := w.waitStatus(20*time.Second, 1, jobproto.StatusFailed)
	if st.ExitCode == nil || *st.ExitCode != 3 || st.Reason != "trainer exited with code 3" {
		t.Errorf("FAILED: %+v", st)
	}
	if !slices.Contains(st.Diagnostics, "RuntimeError: CUDA out of memory (fake)") || len(st.Diagnostics) > 20 {
		t.Errorf("diagnostics %q", st.Diagnostics)
	}
	if st.Progress != 0.4 {
		t.Errorf("progress at the crash %v, want 2/5", st.Progress)
	}
	w.mu.Lock()
	n := len(w.metrics)
	w.mu.Unlock()
	if n != 2 {
		t.Errorf("%d metrics, want 2", n)
	}
	if log, err := e.artifact("jobs/c1/train.log"); err != nil || !strings.Contains(string(log), "RuntimeError") {
		t.Errorf("train.log of a failed job: %v", err)
	}
	if _, err := e.artifact("jobs/c1/models/model.bin"); err == nil {
		t.Errorf("a failed job uploaded a model")
	}
	e.waitJobsEmpty(5 * time.Second)
	if !dirEmpty(t, work) {
		t.Errorf("work folder not removed")
	}
}

func TestGarbageOutput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startAgent(Config{Name: "messy"})
	w := e.watch("g1")
	e.publishJob(jobproto.JobMessage{JobID: "g1", Config: map[string]any{"behaviour": "garbage"}}, "")
	w.waitStatus(20*time.Second, 1, jobproto.StatusCompleted)
	lines := w.lines(1)
	var stdout, stderr []string
	for _, l := range lines {
		switch l.Stream {
		case jobproto.StreamStdout:
			stdout = append(stdout, l.Text)
		case jobproto.StreamStderr:
			stderr = append(stderr, l.Text)
		}
	}
	want := []string{"crlf line", "bar 10%", "bar 20%", "bar 100%", "no newline at the end"}
	for _, s := range want {
		if !slices.Contains(stdout, s) {
			t.Errorf("stdout lacks %q", s)
		}
	}
	if !slices.Contains(stderr, "stderr line") {
		t.Errorf("stderr %q", stderr)
	}
	var long string
	for _, s := range stdout {
		if strings.HasPrefix(s, "xxxx") {
			long = s
		}
		if strings.HasPrefix(s, "binary ") && !strings.Contains(s, "\ufffd") {
			t.Errorf("binary line not made valid UTF-8: %q", s)
		}
	}
	if len(long) > MaxLineBytes+100 || !strings.HasSuffix(long, " … [1032192 more bytes cut]") {
		t.Errorf("long line: %d bytes, ends %q", len(long), long[max(0, len(long)-40):])
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.metrics) != 1 || w.metrics[0].TrainLoss != nil || w.metrics[0].ValLoss != nil ||
		!slices.Equal(w.metrics[0].Notes, []string{"Train Loss was NaN", "Val Loss was infinite"}) {
		t.Errorf("metrics %+v", w.metrics)
	}
}
