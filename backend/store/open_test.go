package store_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
	"github.com/tessera-lab/tessera/backend/store/storetest"
)

// Servers (or an app and a CLI command) opening a database never opened
// before, all at once: each opens it, and the migrations run once.
func TestConcurrentOpensOfAFreshDatabase(t *testing.T) {
	ctx := context.Background()
	for _, c := range storetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			const n = 4
			var wg sync.WaitGroup
			dbs := make([]*store.DB, n)
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					dbs[i], errs[i] = store.Open(ctx, c.DSN)
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("open %d: %v", i, err)
				}
				defer dbs[i].Close()
			}
			vs, err := dbs[0].AppliedMigrations(ctx)
			if err != nil || len(vs) == 0 {
				t.Fatalf("applied %v, %v", vs, err)
			}
			for i := 1; i < len(vs); i++ {
				if vs[i] != vs[i-1]+1 {
					t.Fatalf("applied %v", vs)
				}
			}
		})
	}
}

// A sign-in deletes the sessions that expired, whoever's they were.
func TestSigningInDeletesExpiredSessions(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		a, b := &backend.User{Name: "ada", Role: backend.RoleStudent}, &backend.User{Name: "bob", Role: backend.RoleStudent}
		for _, u := range []*backend.User{a, b} {
			if err := db.CreateUser(ctx, u, "h"); err != nil {
				t.Fatal(err)
			}
		}
		db.Now = func() time.Time { return time.Now().Add(-48 * time.Hour).UTC() } // two days ago
		for _, tok := range []string{"a1", "a2"} {
			if err := db.CreateSession(ctx, tok, a.ID, "h", time.Now().Add(-24*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateSession(ctx, "a3", a.ID, "h", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return time.Now().UTC() }
		if err := db.CreateSession(ctx, "b1", b.ID, "h", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountRows(ctx, "sessions"); n != 2 {
			t.Fatalf("%d sessions, want the 2 live ones", n)
		}
		if u, err := db.FindSessionUser(ctx, "a3"); err != nil || u.ID != a.ID {
			t.Fatalf("a live session went: %v", err)
		}
	})
}

// Text with NUL — a job id in a URL, a tile name, a project's description —
// is refused as invalid on either database (PostgreSQL cannot store it),
// not failed as an internal error.
func TestTextWithNULIsInvalid(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		p := &backend.Project{Name: "Cells"}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		newJob(t, db, "j")
		desc := "a\x00b"
		checks := map[string]error{
			"create project": db.CreateProject(ctx, &backend.Project{Name: "x", Description: desc}),
			"find job":       second(db.FindJob(ctx, "j\x00")),
			"find pipeline":  second(db.FindPipeline(ctx, "pl\x00")),
			"delete job":     db.DeleteJob(ctx, "j\x00"),
			"finish job":     db.FinishJob(ctx, "j\x00", jobproto.StatusCancelled, "r"),
			"find tile":      second(db.FindTileByName(ctx, p.ID, "t\x00.png")),
			"annotation":     second(db.FindAnnotation(ctx, p.ID, "t\x00.png")),
			"job logs":       second(db.JobLogs(ctx, "j\x00", 0, 0, 10)),
			"image by file":  second(db.FindImageByFile(ctx, p.ID, "a\x00.png")),
		}
		_, _, checks["find user"] = db.FindUserByName(ctx, "ada\x00")
		_, checks["update project"] = db.UpdateProject(ctx, p.ID, backend.ProjectUpdate{Description: &desc})
		_, checks["save annotation"] = db.SaveAnnotation(ctx, &backend.Annotation{ProjectID: p.ID, TileName: "t\x00.png", Classes: "{}"}, 0, 0)
		for what, err := range checks {
			if backend.ErrorCode(err) != backend.EINVALID {
				t.Errorf("%s: %v, want invalid", what, err)
			}
		}
		// A reason is the app's own text: cleaned, not refused.
		if err := db.FinishJob(ctx, "j", jobproto.StatusCancelled, "by\x00 ada"); err != nil {
			t.Fatal(err)
		}
		if j, _ := db.FindJob(ctx, "j"); j.Error != "by ada" {
			t.Fatalf("reason stored as %q", j.Error)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// Times come back in UTC whatever the server's time zone.
func TestTimesAreUTC(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, dsn string) {
		if db.Dialect() == store.Postgres {
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("timezone", "Asia/Tokyo")
			u.RawQuery = q.Encode()
			if db, err = store.Open(ctx, u.String()); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
		}
		p := &backend.Project{Name: "Zones"}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		m := newImage(t, db, p, "a")
		if err := db.FinishTiling(ctx, m, grid(m, 1)); err != nil {
			t.Fatal(err)
		}
		label(t, db, p, m, grid(m, 1), "ada")
		newJob(t, db, "j")
		a, err := db.FindAnnotation(ctx, p.ID, "a_r000_c000.png")
		if err != nil {
			t.Fatal(err)
		}
		as, err := db.FindAnnotations(ctx, p.ID)
		if err != nil || len(as) != 1 {
			t.Fatal(as, err)
		}
		pls, err := db.FindPipelines(ctx, p.ID)
		if err != nil || len(pls) != 1 {
			t.Fatal(pls, err)
		}
		for what, tm := range map[string]time.Time{"annotation": a.UpdatedAt, "annotations": as[0].UpdatedAt, "pipelines": pls[0].CreatedAt} {
			if tm.IsZero() || tm.Location() != time.UTC {
				t.Errorf("%s: %v in %v, want UTC", what, tm, tm.Location())
			}
		}
	})
}

// A job that cannot be recorded leaves no new pipeline behind.
func TestAJobAndItsNewPipelineAreRecordedTogether(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		newJob(t, db, "taken")
		ps, _ := db.FindProjects(ctx)
		pl := &backend.Pipeline{ID: "new", Name: "Imported models", ProjectID: ps[0].ID, Worker: "imported", CreatedBy: "t"}
		j := &backend.Job{ID: "taken", PipelineID: "new", ProjectID: ps[0].ID, Status: jobproto.StatusCompleted, Trainer: "imported",
			Target: "imported", Config: []byte("{}"), CreatedBy: "t"}
		if err := db.CreateJobInNewPipeline(ctx, pl, j, "t"); err == nil {
			t.Fatal("a second job with a taken id was recorded")
		}
		if _, err := db.FindPipeline(ctx, "new"); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("the pipeline of a job not recorded: %v", err)
		}
		j.ID = "fresh"
		if err := db.CreateJobInNewPipeline(ctx, pl, j, "t"); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindJob(ctx, "fresh"); err != nil || got.PipelineID != "new" {
			t.Fatalf("job %+v, %v", got, err)
		}
	})
}
