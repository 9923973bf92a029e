package api_test

import (
	"context"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/evaluate"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
	"github.com/tessera-lab/tessera/backend/training"
)

// TestRolesOnTraining walks every role over every training route: the
// spec's matrix decides who is refused (403); everyone else gets past the
// check to the route's own answer (a job PENDING is not deleted, a bad
// model file is refused as invalid, and so on).
func TestRolesOnTraining(t *testing.T) {
	ctx := context.Background()
	srv, _, db := newServerWith(t, func(cfg *api.Config, db *store.DB, layout backend.Layout) {
		b, err := broker.Start(ctx, broker.Config{StoreDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		builder := &dataset.Builder{Store: db, Labels: &annotate.Service{Store: db, Layout: layout}, Layout: layout}
		cfg.Training = training.New(db, b.Conn(), b.JetStream(), builder, layout, nil)
		cfg.Evaluate = &evaluate.Service{Store: db, Layout: layout, Builder: builder}
	})
	owner := newClient(t, srv)
	owner.login("admin")
	var p backend.Project
	if st, _ := owner.do("POST", "/api/projects", map[string]string{"name": "Seed"}, &p); st != 201 {
		t.Fatalf("seed: %d", st)
	}
	pl := &backend.Pipeline{ID: "pl", Name: "pl", ProjectID: p.ID, Worker: "pool:gpu", CreatedBy: "admin"}
	j := &backend.Job{ID: "job", PipelineID: pl.ID, ProjectID: p.ID, Status: jobproto.StatusPending, Trainer: "cpu",
		Target: "pool:gpu", Config: []byte("{}"), CreatedBy: "admin"}
	if err := db.CreateJobInNewPipeline(ctx, pl, j, "test"); err != nil {
		t.Fatal(err)
	}
	pid := "/api/projects/" + itoa(p.ID)
	routes := []struct {
		action       auth.Action
		method, path string
		body         any
	}{
		{auth.ViewTraining, "GET", "/api/workers", nil},
		{auth.ViewTraining, "GET", pid + "/pipelines", nil},
		{auth.ViewTraining, "GET", pid + "/jobs", nil},
		{auth.ViewTraining, "GET", "/api/jobs/job", nil},
		{auth.ViewTraining, "GET", "/api/jobs/job/logs", nil},
		{auth.ViewTraining, "GET", "/api/jobs/job/model", nil},
		{auth.ViewTraining, "GET", "/api/jobs/job/validation", nil},
		{auth.ViewTraining, "POST", "/api/jobs/job/predict", map[string]any{"image_id": 1}},
		{auth.ViewTraining, "GET", pid + "/predictions/running", nil},
		{auth.DownloadLogs, "GET", "/api/jobs/job/train.log", nil},
		{auth.ConfigureTrain, "POST", pid + "/jobs/check", map[string]any{"pool": "gpu", "pipeline_id": "pl"}},
		{auth.ConfigureTrain, "POST", pid + "/jobs", map[string]any{"pool": "gpu", "pipeline_id": "pl"}},
		{auth.CreatePipeline, "POST", pid + "/jobs", map[string]any{"pool": "gpu"}},
		{auth.CreatePipeline, "POST", pid + "/models", nil},
		{auth.ConfigureTrain, "POST", "/api/jobs/nope/cancel", nil},
		{auth.DeleteJobs, "DELETE", "/api/jobs/job", nil},
	}
	for _, r := range backend.Roles {
		t.Run(string(r), func(t *testing.T) {
			c := newClient(t, srv)
			c.login(string(r))
			for _, rt := range routes {
				st, body := c.do(rt.method, rt.path, rt.body, nil)
				allowed := auth.Can(r, rt.action)
				switch {
				case !allowed && st != 403:
					t.Errorf("%s %s (%s): %d, want 403", rt.method, rt.path, rt.action, st)
				case allowed && (st == 401 || st == 403 || st >= 500):
					t.Errorf("%s %s (%s): %d %s", rt.method, rt.path, rt.action, st, body)
				}
			}
		})
	}
	// The job is still there: no refused or refusing call touched it.
	if got, err := db.FindJob(ctx, "job"); err != nil || got.Status != jobproto.StatusPending {
		t.Fatalf("job after the walk: %+v %v", got, err)
	}
}
