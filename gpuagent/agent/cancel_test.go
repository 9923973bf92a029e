//go:build unix

package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

func TestCancelStopsTrainerGroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		ignoreTerm bool
	}{{"SIGTERM", false}, {"SIGKILL after the grace", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			work := t.TempDir()
			e.startAgent(Config{Name: "victim", WorkDir: work, KillGrace: 500 * time.Millisecond})
			w := e.watch("k1")
			e.publishJob(jobproto.JobMessage{JobID: "k1",
				Config: map[string]any{"behaviour": "hang", "spawn_child": true, "ignore_term": tc.ignoreTerm}}, "")
			w.waitStatus(20*time.Second, 1, jobproto.StatusProcessing)
			pids := waitPids(t, w, 1)
			if len(pids) != 2 {
				t.Fatalf("pids %v", pids)
			}

			var who []byte
			if tc.ignoreTerm {
				who = []byte("prof. smith")
			}
			reply, err := e.conn().Request(jobproto.CancelSubject("k1"), who, 5*time.Second)
			if err != nil || string(reply.Data) != jobproto.CancelReply {
				t.Fatalf("cancel: %v %v", err, reply)
			}
			st := w.waitStatus(10*time.Second, 1, jobproto.StatusCancelled)
			waitGone(t, time.Second, pids...) // gone by the time CANCELLED is out
			if want := map[bool]string{false: "cancelled by request", true: "cancelled by prof. smith"}[tc.ignoreTerm]; st.Reason != want {
				t.Errorf("CANCELLED: %+v", st)
			}
			log := strings.Join(texts(w.lines(1)), "\n")
			if tc.ignoreTerm != strings.Contains(log, "sending SIGKILL") {
				t.Errorf("SIGKILL in the log: %v, want %v\n%s", !tc.ignoreTerm, tc.ignoreTerm, log)
			}
			if got, err := e.artifact("jobs/k1/train.log"); err != nil || !strings.Contains(string(got), "hanging") {
				t.Errorf("train.log of a cancelled job: %v", err)
			}
			e.waitJobsEmpty(5 * time.Second)
			if !dirEmpty(t, work) {
				t.Error("work folder not removed")
			}
		})
	}
}
