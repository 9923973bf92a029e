//go:build unix

package agent

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// A process that left the trainer's process group and holds its stdout
// does not keep the job from finishing.
func TestEscapedChildDoesNotBlock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startAgent(Config{Name: "leaky"})
	w := e.watch("x1")
	e.publishJob(jobproto.JobMessage{JobID: "x1", Config: map[string]any{"behaviour": "escape", "epochs": 1}}, "")
	w.waitStatus(20*time.Second, 1, jobproto.StatusCompleted)
	for _, l := range w.lines(1) {
		var pid int
		if _, err := fmt.Sscanf(l.Text, "escaped pid %d", &pid); err == nil {
			syscall.Kill(pid, syscall.SIGKILL)
			return
		}
	}
	t.Error("no escaped pid in the log")
}

// One that keeps printing does not either: the agent stops reading after
// drainMax (not parallel: it shortens drainMax).
func TestChattyEscapedChildDoesNotBlock(t *testing.T) {
	defer func(d time.Duration) { drainMax = d }(drainMax)
	drainMax = 3 * time.Second
	e := newEnv(t)
	e.startAgent(Config{Name: "chatty"})
	w := e.watch("x2")
	e.publishJob(jobproto.JobMessage{JobID: "x2", Config: map[string]any{"behaviour": "escape", "epochs": 1, "lines": 1}}, "")
	w.waitStatus(20*time.Second, 1, jobproto.StatusCompleted)
	for _, l := range w.lines(1) {
		var pid int
		if _, err := fmt.Sscanf(l.Text, "escaped pid %d", &pid); err == nil {
			syscall.Kill(-pid, syscall.SIGKILL)
			syscall.Kill(pid, syscall.SIGKILL)
			return
		}
	}
	t.Error("no escaped pid in the log")
}
