package store_test

import (
	"context"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
)

// A job's summary (epoch, best and latest Val IoU) is its current
// attempt's: a new attempt starts it over, and an older attempt's better
// Val IoU is not shown as the delivered model's.
func TestANewAttemptStartsTheJobsSummaryOver(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		p := &backend.Project{Name: "Runs"}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		pl := &backend.Pipeline{ID: "pl", Name: "pl", ProjectID: p.ID, Worker: "pool:x", CreatedBy: "t"}
		if err := db.CreatePipeline(ctx, pl); err != nil {
			t.Fatal(err)
		}
		j := &backend.Job{ID: "j", PipelineID: pl.ID, ProjectID: p.ID, Status: jobproto.StatusPending, Trainer: "t", Target: "pool:x",
			Config: []byte("{}"), CreatedBy: "t"}
		if err := db.CreateJob(ctx, j, "t"); err != nil {
			t.Fatal(err)
		}
		iou := func(v float64) *float64 { return &v }
		apply := func(evs store.JobEvents) {
			t.Helper()
			if _, err := db.ApplyJobEvents(ctx, evs); err != nil {
				t.Fatal(err)
			}
		}
		apply(store.JobEvents{
			Statuses: []jobproto.StatusEvent{{JobID: "j", Attempt: 1, Seq: 1, Status: jobproto.StatusProcessing}},
			Metrics:  []jobproto.MetricEvent{{JobID: "j", Attempt: 1, Seq: 1, Epoch: 8, Total: 10, ValIoU: iou(0.9)}},
		})
		apply(store.JobEvents{Statuses: []jobproto.StatusEvent{{JobID: "j", Attempt: 2, Seq: 1, Status: jobproto.StatusStarted}}})
		got, _ := db.FindJob(ctx, "j")
		if got.Epoch != 0 || got.BestValIoU != nil || got.LastValIoU != nil {
			t.Fatalf("attempt 2 started: epoch %d, best %v, last %v; want attempt 1's gone", got.Epoch, got.BestValIoU, got.LastValIoU)
		}
		apply(store.JobEvents{Metrics: []jobproto.MetricEvent{{JobID: "j", Attempt: 2, Seq: 1, Epoch: 1, Total: 10, ValIoU: iou(0.3)}}})
		got, _ = db.FindJob(ctx, "j")
		if got.Epoch != 1 || got.BestValIoU == nil || *got.BestValIoU != 0.3 {
			t.Fatalf("attempt 2's epoch 1: epoch %d, best %v; want 1 and 0.3", got.Epoch, got.BestValIoU)
		}
	})
}
