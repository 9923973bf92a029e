package training_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
	"github.com/tessera-lab/tessera/backend/training"
)

// An event is about the job of the subject it came on: a body naming
// another job (an agent speaking for a job it does not run) is dropped.
func TestIngestDropsEventsAboutAnotherJobThanTheirSubject(t *testing.T) {
	svc, nc, _, victim, done := setup(t)
	defer done()
	ctx := context.Background()
	j, _ := svc.DB.FindJob(ctx, victim)
	other := &backend.Job{ID: "job2", PipelineID: j.PipelineID, ProjectID: j.ProjectID, Status: jobproto.StatusPending,
		Trainer: "t", Target: "pool:x", Config: []byte("{}"), CreatedBy: "t"}
	if err := svc.DB.CreateJob(ctx, other, "t"); err != nil {
		t.Fatal(err)
	}
	publish := func(subjectJob string, e jobproto.StatusEvent) {
		b, _ := json.Marshal(e)
		if err := nc.Publish(jobproto.EventSubject(subjectJob, jobproto.KindStatus), b); err != nil {
			t.Fatal(err)
		}
	}
	// On job2's subject, a PROCESSING of job1 at attempt 999 (which would
	// make every real event of job1 look stale); then job2's own STARTED.
	publish(other.ID, jobproto.StatusEvent{JobID: victim, Attempt: 999, Seq: 1, Status: jobproto.StatusProcessing, Worker: "rogue"})
	publish(other.ID, jobproto.StatusEvent{JobID: other.ID, Attempt: 1, Seq: 1, Status: jobproto.StatusStarted, Worker: "box"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		j2, _ := svc.DB.FindJob(ctx, other.ID)
		if j2.Status == jobproto.StatusStarted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job2's own event was not applied: %s", j2.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if j1, _ := svc.DB.FindJob(ctx, victim); j1.Status != jobproto.StatusPending || j1.Attempt != 0 {
		t.Fatalf("job1 changed through job2's subject: %s, attempt %d", j1.Status, j1.Attempt)
	}
}

// A job the app stopped preparing (PENDING, never queued) fails at the next
// start, saying so, instead of waiting for an agent forever.
func TestAJobLeftUnqueuedFailsAtTheNextStart(t *testing.T) {
	svc, nc, _, id, done := setup(t)
	defer done()
	ctx := context.Background()
	_, stop := restarted(t, svc, nc)
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, _ := svc.DB.FindJob(ctx, id)
		if j.Status == jobproto.StatusFailed {
			if !strings.Contains(j.Error, "stopped while preparing") {
				t.Fatalf("reason %q", j.Error)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the unqueued job is still %s", j.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An ended job whose last lines were stored but not yet written to its
// train.log when the app stopped gets its whole train.log at the next start.
func TestAnEndedJobsLogIsCompletedAtTheNextStart(t *testing.T) {
	svc, nc, _, id, done := setup(t)
	defer done()
	ctx := context.Background()
	// Stored as the ingest stores them, but the app stopped before writing
	// the file.
	if _, err := svc.DB.ApplyJobEvents(ctx, store.JobEvents{
		Statuses: []jobproto.StatusEvent{{JobID: id, Attempt: 1, Seq: 1, Status: jobproto.StatusFailed, Reason: "trainer exited with code 3"}},
		Logs: []jobproto.LogEvent{{JobID: id, Attempt: 1, Seq: 1, Lines: []jobproto.LogLine{
			{Stream: "stdout", Text: "Epoch [1/2]: Training Status"}, {Stream: "stderr", Text: "RuntimeError: the last words"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	j, _ := svc.DB.FindJob(ctx, id)
	next, stop := restarted(t, svc, nc)
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(next.LogPath(j))
		if strings.Contains(string(b), "RuntimeError: the last words") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("train.log after the restart:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// restarted is the training service of an app started again over svc's
// database and broker, its ingest running until stop.
func restarted(t *testing.T, svc *training.Service, nc *nats.Conn) (*training.Service, func()) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	next := training.New(svc.DB, nc, js, svc.Builder, svc.Layout, nil)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { next.Ingest(ctx); close(stopped) }()
	return next, func() { cancel(); <-stopped }
}
