package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/store"
)

func TestProjectsCRUD(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		a := &backend.Project{Name: "Cells 101", Description: "blood smears"}
		if err := db.CreateProject(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 || a.CreatedAt.IsZero() {
			t.Fatalf("create did not fill id and time: %+v", a)
		}
		b := &backend.Project{Name: "Roofs"}
		if err := db.CreateProject(ctx, b); err != nil {
			t.Fatal(err)
		}

		got, err := db.FindProjectByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Fatalf("read back %+v, want %+v", got, a)
		}

		list, err := db.FindProjects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Fatalf("list = %+v, want newest (Roofs) first", list)
		}

		name, desc := "Cells 102", ""
		up, err := db.UpdateProject(ctx, a.ID, backend.ProjectUpdate{Name: &name, Description: &desc})
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != name || up.Description != "" || !up.UpdatedAt.After(a.UpdatedAt) && !up.UpdatedAt.Equal(a.UpdatedAt) {
			t.Fatalf("update = %+v", up)
		}

		if err := db.DeleteProject(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindProjectByID(ctx, a.ID); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("after delete: err = %v, want not_found", err)
		}
		if err := db.DeleteProject(ctx, a.ID); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("second delete: err = %v, want not_found", err)
		}
		if _, err := db.UpdateProject(ctx, 9999, backend.ProjectUpdate{Name: &name}); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("update missing: err = %v, want not_found", err)
		}
	})
}

func TestUniqueNameConflict(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		if err := db.CreateProject(ctx, &backend.Project{Name: "Roofs"}); err != nil {
			t.Fatal(err)
		}
		err := db.CreateProject(ctx, &backend.Project{Name: "Roofs"})
		if backend.ErrorCode(err) != backend.ECONFLICT {
			t.Fatalf("duplicate create: err = %v, want conflict", err)
		}
		if msg := backend.ErrorMessage(err); msg != `a project named "Roofs" already exists` {
			t.Fatalf("message = %q", msg)
		}
		other := &backend.Project{Name: "Fields"}
		if err := db.CreateProject(ctx, other); err != nil {
			t.Fatal(err)
		}
		taken := "Roofs"
		if _, err := db.UpdateProject(ctx, other.ID, backend.ProjectUpdate{Name: &taken}); backend.ErrorCode(err) != backend.ECONFLICT {
			t.Fatalf("rename onto a taken name: err = %v, want conflict", err)
		}
		u := &backend.User{Name: "ada", Role: backend.RoleStudent}
		if err := db.CreateUser(ctx, u, "h"); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(ctx, &backend.User{Name: "ada", Role: backend.RoleAdmin}, "h"); backend.ErrorCode(err) != backend.ECONFLICT {
			t.Fatalf("duplicate user: err = %v, want conflict", err)
		}
	})
}

func TestReopenRunsNoMigrationTwice(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, dsn string) {
		before, err := db.AppliedMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(before) == 0 || before[0] != 1 {
			t.Fatalf("applied = %v, want 1…", before)
		}
		if err := db.CreateProject(ctx, &backend.Project{Name: "kept"}); err != nil {
			t.Fatal(err)
		}
		// Two more opens at once, as a CLI command beside a running app would.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db2, err := store.Open(ctx, dsn)
				if err == nil {
					err = db2.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
		}
		after, err := db.AppliedMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("migrations after reopen = %v, want %v", after, before)
		}
		if ps, err := db.FindProjects(ctx); err != nil || len(ps) != 1 {
			t.Fatalf("projects after reopen = %v, %v", ps, err)
		}
	})
}

func TestSessionsAndSettings(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		u := &backend.User{Name: "grace", Role: backend.RoleProfessor}
		if err := db.CreateUser(ctx, u, "hash1"); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, "live", u.ID, "hash1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, "old", u.ID, "hash1", time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindSessionUser(ctx, "live")
		if err != nil || got.Name != "grace" || got.Role != backend.RoleProfessor {
			t.Fatalf("session user = %+v, %v", got, err)
		}
		if _, err := db.FindSessionUser(ctx, "old"); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("expired session: err = %v", err)
		}
		if err := db.SetUserPassword(ctx, "grace", "hash2"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindSessionUser(ctx, "live"); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("password change must end sessions: err = %v", err)
		}
		if _, hash, _ := db.FindUserByName(ctx, "grace"); hash != "hash2" {
			t.Fatalf("hash = %q", hash)
		}
		// A sign-in that checked the old password, finishing after the
		// change, gets no session.
		if err := db.CreateSession(ctx, "late", u.ID, "hash1", time.Now().Add(time.Hour)); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("a session for the old password after the change: %v", err)
		}
		if _, err := db.FindSessionUser(ctx, "late"); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("the late sign-in's session works: %v", err)
		}

		if _, ok, err := db.Setting(ctx, "agents.listen"); ok || err != nil {
			t.Fatalf("unset setting: ok=%v err=%v", ok, err)
		}
		for _, v := range []string{":4222", "127.0.0.1:4333"} {
			if err := db.SetSetting(ctx, "agents.listen", v); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := db.Setting(ctx, "agents.listen"); !ok || err != nil || got != v {
				t.Fatalf("setting = %q %v %v, want %q", got, ok, err, v)
			}
		}
	})
}

// Two edits of one project at once, each of other fields, keep both; a
// tile size and an overlap each fine alone but not together are not both
// taken; a project deleted meanwhile is not found, not updated.
func TestConcurrentProjectEditsKeepEachOther(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		p := &backend.Project{Name: "Edits", TileSize: 256}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			name, desc := fmt.Sprintf("Edits %d", i), fmt.Sprintf("round %d", i)
			run2(func() error {
				_, err := db.UpdateProject(ctx, p.ID, backend.ProjectUpdate{Name: &name})
				return err
			}, func() error {
				_, err := db.UpdateProject(ctx, p.ID, backend.ProjectUpdate{Description: &desc})
				return err
			}, t)
			got, err := db.FindProjectByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != name || got.Description != desc {
				t.Fatalf("round %d: name %q, description %q; want %q and %q", i, got.Name, got.Description, name, desc)
			}
		}

		for i := range 10 {
			size, overlap, zero, big := 128, 100, 0, 256 // 128 with overlap 0, or 256 with 100: not 128 with 100
			if _, err := db.UpdateProject(ctx, p.ID, backend.ProjectUpdate{TileSize: &big, TileOverlap: &zero}); err != nil {
				t.Fatal(err)
			}
			errs := run2(func() error {
				_, err := db.UpdateProject(ctx, p.ID, backend.ProjectUpdate{TileSize: &size})
				return err
			}, func() error {
				_, err := db.UpdateProject(ctx, p.ID, backend.ProjectUpdate{TileOverlap: &overlap})
				return err
			}, nil)
			got, _ := db.FindProjectByID(ctx, p.ID)
			if err := backend.CheckTiling(got.TileSize, got.TileOverlap); err != nil {
				t.Fatalf("round %d: stored %d px with %d overlap (%v)", i, got.TileSize, got.TileOverlap, errs)
			}
			for _, err := range errs {
				if err != nil && backend.ErrorCode(err) != backend.EINVALID {
					t.Fatalf("round %d: %v", i, err)
				}
			}
		}

		gone := &backend.Project{Name: "Gone"}
		if err := db.CreateProject(ctx, gone); err != nil {
			t.Fatal(err)
		}
		name := "Renamed"
		var upd error
		run2(func() error { return db.DeleteProject(ctx, gone.ID) }, func() error {
			_, upd = db.UpdateProject(ctx, gone.ID, backend.ProjectUpdate{Name: &name})
			return nil
		}, t)
		if _, err := db.FindProjectByID(ctx, gone.ID); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("deleted project: %v", err)
		}
		if upd != nil && backend.ErrorCode(upd) != backend.ENOTFOUND {
			t.Fatalf("update of a project deleted meanwhile: %v", upd)
		}
	})
}

// run2 runs a and b at once and returns their errors; with t, an error
// fails the test.
func run2(a, b func() error, t *testing.T) []error {
	errs := make([]error, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, fn := range []func() error{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	if t != nil {
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return errs
}
