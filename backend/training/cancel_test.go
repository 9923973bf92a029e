package training_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// What Cancel does depends on the agent's answer: "finished" (the trainer
// is done, its results are being saved) and no answer in time leave the
// job alone; only when no agent holds the job does the app end it.
func TestCancelFollowsTheAgentsAnswer(t *testing.T) {
	svc, nc, _, id, done := setup(t)
	defer done()
	ctx := context.Background()
	svc.CancelTimeout = 300 * time.Millisecond
	answer := func(reply string) func() {
		sub, err := nc.Subscribe(jobproto.CancelSubject(id), func(m *nats.Msg) {
			if reply != "" {
				m.Respond([]byte(reply))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		return func() { sub.Unsubscribe(); nc.Flush() }
	}
	status := func() string {
		j, err := svc.DB.FindJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return j.Status
	}

	stop := answer("finished")
	if err := svc.Cancel(ctx, "prof", id); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Errorf("agent says finished: %v, want a conflict saying so", err)
	}
	stop()
	if st := status(); st != jobproto.StatusPending {
		t.Fatalf("after 'finished' the job is %s", st)
	}

	stop = answer("") // an agent that hears but does not answer
	if err := svc.Cancel(ctx, "prof", id); err == nil {
		t.Errorf("agent silent: Cancel said it worked")
	}
	stop()
	if st := status(); st != jobproto.StatusPending {
		t.Fatalf("after no answer the job is %s", st)
	}

	stop = answer("ok")
	if err := svc.Cancel(ctx, "prof", id); err != nil {
		t.Errorf("agent says ok: %v", err)
	}
	stop()
	if st := status(); st != jobproto.StatusPending { // the agent's CANCELLED event ends it
		t.Fatalf("after 'ok' the app ended the job itself: %s", st)
	}

	if err := svc.Cancel(ctx, "prof", id); err != nil { // nobody holds it
		t.Fatalf("no agent: %v", err)
	}
	if st := status(); st != jobproto.StatusCancelled {
		t.Fatalf("with no agent the job is %s, want CANCELLED", st)
	}
}
