//go:build unix

package agent

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// An agent that dies mid-job (its connection closes, nothing acked) loses
// the job to the next agent after AckWait: attempt 2 completes it; a job
// whose MaxAttempts is spent fails instead.
func TestJobRedeliveredAfterAgentLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nc := e.conn()
	workA := t.TempDir()
	a := e.startAgent(Config{Name: "doomed", Conn: nc, Jobs: 2, AckWait: 2 * time.Second, WorkDir: workA})
	again, spent := e.watch("again"), e.watch("spent")
	e.publishJob(jobproto.JobMessage{JobID: "again",
		Config: map[string]any{"behaviour": "hang", "hang_until": 1, "spawn_child": true, "epochs": 2}}, "")
	e.publishJob(jobproto.JobMessage{JobID: "spent", MaxAttempts: 1,
		Config: map[string]any{"behaviour": "hang", "hang_until": 9}}, "")
	again.waitStatus(20*time.Second, 1, jobproto.StatusProcessing)
	spent.waitStatus(20*time.Second, 1, jobproto.StatusProcessing)
	pids := waitPids(t, again, 1)

	nc.Close() // the agent is lost: no more acks, no more InProgress
	select {
	case err := <-a.done:
		if !errors.Is(err, ErrConnectionClosed) {
			t.Errorf("Run after its connection closed: %v", err)
		}
		close(a.done)
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its connection closed")
	}
	waitGone(t, 5*time.Second, pids...) // its trainers did not outlive it

	e.startAgent(Config{Name: "heir", Jobs: 2, AckWait: 2 * time.Second})
	st := again.waitStatus(30*time.Second, 2, jobproto.StatusCompleted)
	if st.Worker != "heir" {
		t.Errorf("attempt 2 on %q", st.Worker)
	}
	if got := again.statusList(); got != "1:STARTED 1:PROCESSING 2:STARTED 2:PROCESSING 2:COMPLETED" {
		t.Errorf("statuses %s", got)
	}
	if lines := again.lines(2); len(lines) == 0 || !strings.HasPrefix(lines[0].Text, "training set") {
		t.Errorf("attempt 2 log does not start at seq 1: %q", texts(lines[:min(3, len(lines))]))
	}
	f := spent.waitStatus(30*time.Second, 2, jobproto.StatusFailed)
	if f.Reason != "the job was started 1 time and its agent was lost each time" {
		t.Errorf("reason %q", f.Reason)
	}
	if got := spent.statusList(); got != "1:STARTED 1:PROCESSING 2:FAILED" {
		t.Errorf("statuses %s", got)
	}
	e.waitJobsEmpty(10 * time.Second)
}

// A stopped agent gives its running job back at once (PENDING, Nak): the
// next agent takes it without waiting for AckWait.
func TestAgentStopRequeuesJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.startAgent(Config{Name: "leaving", AckWait: time.Minute})
	w := e.watch("r1")
	e.publishJob(jobproto.JobMessage{JobID: "r1",
		Config: map[string]any{"behaviour": "hang", "hang_until": 1, "epochs": 1}}, "")
	w.waitStatus(20*time.Second, 1, jobproto.StatusProcessing)
	pids := waitPids(t, w, 1)
	if err := a.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	waitGone(t, time.Second, pids...)
	st := w.waitStatus(time.Second, 1, jobproto.StatusPending)
	if st.Reason != "agent leaving stopped; the job goes back to the queue" {
		t.Errorf("reason %q", st.Reason)
	}
	e.startAgent(Config{Name: "staying", AckWait: time.Minute})
	w.waitStatus(20*time.Second, 2, jobproto.StatusCompleted) // well before AckWait
}

var pidRe = regexp.MustCompile(`^(?:child|trainer) pid (\d+)$`)

// waitPids waits for the hang trainer's "trainer pid N" line and returns
// the pids it printed (its child's too, printed before).
func waitPids(t *testing.T, w *watch, attempt int) []int {
	t.Helper()
	var pids []int
	w.waitFor(10*time.Second, "trainer pid", func(w *watch) bool {
		pids = pids[:0]
		done := false
		for _, ev := range w.logs {
			for _, l := range ev.Lines {
				if m := pidRe.FindStringSubmatch(l.Text); m != nil && ev.Attempt == attempt {
					pid, _ := strconv.Atoi(m[1])
					pids = append(pids, pid)
					done = done || strings.HasPrefix(l.Text, "trainer")
				}
			}
		}
		return done
	})
	return pids
}
