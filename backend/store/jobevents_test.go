package store_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
)

// newJob creates a project (once), a pipeline and a PENDING job named id.
func newJob(t *testing.T, db *store.DB, id string) *backend.Job {
	t.Helper()
	ctx := context.Background()
	ps, err := db.FindProjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var p *backend.Project
	if len(ps) > 0 {
		p = ps[0]
	} else {
		p = &backend.Project{Name: "Runs"}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	pl := &backend.Pipeline{ID: "pl-" + id, Name: "pl", ProjectID: p.ID, Worker: "pool:x", CreatedBy: "t"}
	if err := db.CreatePipeline(ctx, pl); err != nil {
		t.Fatal(err)
	}
	j := &backend.Job{ID: id, PipelineID: pl.ID, ProjectID: p.ID, Status: jobproto.StatusPending, Trainer: "t", Target: "pool:x",
		Config: []byte("{}"), CreatedBy: "t"}
	if err := db.CreateJob(ctx, j, "t"); err != nil {
		t.Fatal(err)
	}
	return j
}

func iou(v float64) *float64 { return &v }

// A job's summary (epoch, best and latest Val IoU) is its current
// attempt's: a new attempt starts it over, and an older attempt's better
// Val IoU is not shown as the delivered model's. A batch holds statuses
// and metrics grouped by kind, so a new attempt's first status and first
// epochs in one batch count whichever kind is applied first.
func TestANewAttemptStartsTheJobsSummaryOver(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		newJob(t, db, "j")
		apply := func(evs store.JobEvents) {
			t.Helper()
			if _, err := db.ApplyJobEvents(ctx, evs); err != nil {
				t.Fatal(err)
			}
		}
		summary := func(when string, epoch int, best, last *float64) {
			t.Helper()
			got, err := db.FindJob(ctx, "j")
			if err != nil {
				t.Fatal(err)
			}
			show := func(f *float64) string {
				if f == nil {
					return "none"
				}
				return fmt.Sprint(*f)
			}
			if got.Epoch != epoch || show(got.BestValIoU) != show(best) || show(got.LastValIoU) != show(last) {
				t.Fatalf("%s: epoch %d, best %s, last %s; want %d, %s, %s", when, got.Epoch, show(got.BestValIoU), show(got.LastValIoU),
					epoch, show(best), show(last))
			}
		}
		apply(store.JobEvents{
			Statuses: []jobproto.StatusEvent{{JobID: "j", Attempt: 1, Seq: 1, Status: jobproto.StatusProcessing}},
			Metrics: []jobproto.MetricEvent{
				{JobID: "j", Attempt: 1, Seq: 1, Epoch: 7, Total: 10, ValIoU: iou(0.9)},
				{JobID: "j", Attempt: 1, Seq: 2, Epoch: 8, Total: 10, ValIoU: iou(0.8)},
			},
		})
		summary("attempt 1's first batch", 8, iou(0.9), iou(0.8))
		apply(store.JobEvents{Statuses: []jobproto.StatusEvent{{JobID: "j", Attempt: 2, Seq: 1, Status: jobproto.StatusStarted}}})
		summary("attempt 2 started", 0, nil, nil)
		apply(store.JobEvents{Metrics: []jobproto.MetricEvent{{JobID: "j", Attempt: 2, Seq: 1, Epoch: 1, Total: 10, ValIoU: iou(0.3)}}})
		summary("attempt 2's epoch 1", 1, iou(0.3), iou(0.3))
		// A late epoch of attempt 1 changes nothing.
		apply(store.JobEvents{Metrics: []jobproto.MetricEvent{{JobID: "j", Attempt: 1, Seq: 3, Epoch: 9, Total: 10, ValIoU: iou(0.95)}}})
		summary("attempt 1's late epoch", 1, iou(0.3), iou(0.3))
		// Attempt 3's first status and epochs in one batch.
		apply(store.JobEvents{
			Statuses: []jobproto.StatusEvent{{JobID: "j", Attempt: 3, Seq: 1, Status: jobproto.StatusProcessing}},
			Metrics: []jobproto.MetricEvent{
				{JobID: "j", Attempt: 3, Seq: 1, Epoch: 1, Total: 12, ValIoU: iou(0.4)},
				{JobID: "j", Attempt: 3, Seq: 2, Epoch: 2, Total: 12, ValIoU: iou(0.35)},
			},
		})
		summary("attempt 3's first batch", 2, iou(0.4), iou(0.35))
		if got, _ := db.FindJob(ctx, "j"); got.Epochs != 12 {
			t.Fatalf("epochs %d, want attempt 3's 12", got.Epochs)
		}
	})
}

// The app ending a job (a cancel) and the agent ending it (COMPLETED) at
// the same moment: one of them wins, and says so. FinishJob never reports
// success for a job that ended otherwise, nor fails on the transition
// number another FinishJob took.
func TestTheAppAndTheAgentEndingAJobAtOnceOneWins(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		for i := range 20 {
			id := fmt.Sprintf("race-%d", i)
			newJob(t, db, id)
			if _, err := db.ApplyJobEvents(ctx, store.JobEvents{Statuses: []jobproto.StatusEvent{
				{JobID: id, Attempt: 1, Seq: 1, Status: jobproto.StatusProcessing, Time: time.Now()}}}); err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			finish := make([]error, 2)
			var applyErr error
			for k := range finish {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					finish[k] = db.FinishJob(ctx, id, jobproto.StatusCancelled, "cancelled by t")
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, applyErr = db.ApplyJobEvents(ctx, store.JobEvents{Statuses: []jobproto.StatusEvent{
					{JobID: id, Attempt: 1, Seq: 7, Status: jobproto.StatusCompleted, Progress: 1, Time: time.Now()}}})
			}()
			close(start)
			wg.Wait()
			if applyErr != nil {
				t.Fatalf("%s: the agent's COMPLETED: %v", id, applyErr)
			}
			won := 0
			for _, err := range finish {
				switch {
				case err == nil:
					won++
				case backend.ErrorCode(err) != backend.ECONFLICT:
					t.Fatalf("%s: FinishJob: %v, want success or a conflict", id, err)
				}
			}
			got, err := db.FindJob(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := jobproto.StatusCompleted
			if won > 0 {
				want = jobproto.StatusCancelled
			}
			if won > 1 || got.Status != want {
				t.Fatalf("%s: %d FinishJob calls succeeded and the job is %s", id, won, got.Status)
			}
			trs, err := db.JobTransitions(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if last := trs[len(trs)-1]; last.Status != got.Status || len(trs) != 3 {
				t.Fatalf("%s: transitions %+v, job %s", id, trs, got.Status)
			}
		}
	})
}

// Text from an agent holding NUL (or not UTF-8) is stored cleaned, in every
// field: PostgreSQL's text takes no NUL, and the batch would fail at every
// redelivery. A value the database refuses (a number out of range) drops
// its event alone; the rest of the batch is stored.
func TestAnAgentsBadTextOrNumberDoesNotHoldBackItsBatch(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		newJob(t, db, "nul")
		newJob(t, db, "ok")
		code := 3
		applied, err := db.ApplyJobEvents(ctx, store.JobEvents{
			Statuses: []jobproto.StatusEvent{
				{JobID: "nul", Attempt: 1, Seq: 1, Status: jobproto.StatusFailed, Reason: "exit\x00 3 \xff", Worker: "gpu\x00-1",
					ExitCode: &code, Diagnostics: []string{"line\x00"}, Errors: []jobproto.FieldError{{Field: "lr\x00", Message: "bad\x00"}},
					Time: time.Now()},
				{JobID: "ok", Attempt: 1, Seq: 1, Status: jobproto.StatusProcessing, Time: time.Now()},
			},
			Logs: []jobproto.LogEvent{{JobID: "nul", Attempt: 1, Seq: 1, Lines: []jobproto.LogLine{{Stream: "std\x00out", Text: "a\x00b"}}}},
			Metrics: []jobproto.MetricEvent{{JobID: "ok", Attempt: 1, Seq: 1, Epoch: 1, Total: 2, ValIoU: iou(0.5),
				ClassIoU: map[string]float64{"ce\x00ll": 0.5}}},
		})
		if err != nil {
			t.Fatalf("a batch with NUL in its text: %v", err)
		}
		if len(applied.Dropped) != 0 {
			t.Fatalf("dropped %v", applied.Dropped)
		}
		j, err := db.FindJob(ctx, "nul")
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != jobproto.StatusFailed || j.Worker != "gpu-1" || strings.ContainsRune(j.Error, 0) || j.Error == "" {
			t.Fatalf("job stored as %s, worker %q, error %q", j.Status, j.Worker, j.Error)
		}
		trs, _ := db.JobTransitions(ctx, "nul")
		if last := trs[len(trs)-1]; last.Reason != "exit 3 \uFFFD" || last.Worker != "gpu-1" {
			t.Fatalf("transition %+v", last)
		}
		if ls, _ := db.JobLogs(ctx, "nul", 0, 0, 10); len(ls) != 1 || ls[0].Text != "ab" || ls[0].Stream != "stdout" {
			t.Fatalf("log %+v", ls)
		}

		// A number past its column's range (PostgreSQL's INTEGER is 32
		// bits; SQLite takes it).
		applied, err = db.ApplyJobEvents(ctx, store.JobEvents{
			Statuses: []jobproto.StatusEvent{{JobID: "ok", Attempt: 1, Seq: math.MaxInt64, Status: jobproto.StatusCompleted, Time: time.Now()}},
			Metrics:  []jobproto.MetricEvent{{JobID: "ok", Attempt: 1, Seq: 3, Epoch: 2, Total: 2, ValIoU: iou(0.7)}},
		})
		if err != nil {
			t.Fatalf("a batch with a number out of range: %v", err)
		}
		ok, _ := db.FindJob(ctx, "ok")
		if ok.Epoch != 2 || ok.BestValIoU == nil || *ok.BestValIoU != 0.7 {
			t.Fatalf("the good event of the batch: epoch %d, best %v (dropped %v)", ok.Epoch, ok.BestValIoU, applied.Dropped)
		}
		if len(applied.Dropped) != 1 || ok.Status != jobproto.StatusProcessing {
			t.Fatalf("dropped %v, job %s; want the status out of range dropped", applied.Dropped, ok.Status)
		}

		// A value PostgreSQL itself refuses (a time past its range): the
		// batch again, each event alone.
		if db.Dialect() == store.Postgres {
			far := time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
			applied, err = db.ApplyJobEvents(ctx, store.JobEvents{
				Logs: []jobproto.LogEvent{
					{JobID: "ok", Attempt: 1, Seq: 1, Lines: []jobproto.LogLine{{Stream: "stdout", Text: "far", Time: far}}},
					{JobID: "ok", Attempt: 1, Seq: 2, Lines: []jobproto.LogLine{{Stream: "stdout", Text: "near", Time: time.Now()}}},
				},
			})
			if err != nil || len(applied.Dropped) != 1 || len(applied.Lines["ok"]) != 1 {
				t.Fatalf("a time out of range: %+v %v", applied, err)
			}
			t.Logf("dropped: %v", applied.Dropped)
		}
	})
}

// Only the spec's job states (and CANCELLED) are stored: an agent's
// unknown state is dropped and said so, and the job keeps its own.
func TestAnUnknownJobStateIsNotStored(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		newJob(t, db, "j")
		applied, err := db.ApplyJobEvents(ctx, store.JobEvents{Statuses: []jobproto.StatusEvent{
			{JobID: "j", Attempt: 1, Seq: 1, Status: "RUNNING", Time: time.Now()},
		}})
		if err != nil || len(applied.Dropped) != 1 || !strings.Contains(applied.Dropped[0].Error(), `"RUNNING" is not a job state`) {
			t.Fatalf("%+v %v", applied, err)
		}
		if j, _ := db.FindJob(ctx, "j"); j.Status != jobproto.StatusPending {
			t.Fatalf("job is %s", j.Status)
		}
	})
}
