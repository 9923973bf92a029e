package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/store"
)

func TestDeleteUser(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		ada := &backend.User{Name: "ada", Role: backend.RoleAdmin}
		bob := &backend.User{Name: "bob", Role: backend.RoleStudent}
		for _, u := range []*backend.User{ada, bob} {
			if err := db.CreateUser(ctx, u, "h"); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateSession(ctx, "bob-session", bob.ID, "h", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteUser(ctx, "ada"); backend.ErrorCode(err) != backend.ECONFLICT {
			t.Fatalf("deleting the last admin: %v", err)
		}
		if err := db.DeleteUser(ctx, "nobody"); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("deleting no one: %v", err)
		}
		if err := db.DeleteUser(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindSessionUser(ctx, "bob-session"); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("a deleted user's session: %v", err)
		}
		if _, _, err := db.FindUserByName(ctx, "bob"); backend.ErrorCode(err) != backend.ENOTFOUND {
			t.Fatalf("deleted user still found: %v", err)
		}
		// With a second admin, either may go.
		if err := db.CreateUser(ctx, &backend.User{Name: "cy", Role: backend.RoleAdmin}, "h"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteUser(ctx, "ada"); err != nil {
			t.Fatal(err)
		}
	})
}

// Two admins deleting each other at once: one admin is always left, and
// the one refused hears a conflict (on PostgreSQL the database's "try
// again" is retried, not answered as an internal error).
func TestAdminsDeletingEachOtherAtOnce(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		for round := range 10 {
			a, b := fmt.Sprintf("a%d", round), fmt.Sprintf("b%d", round)
			for _, n := range []string{a, b} {
				if err := db.CreateUser(ctx, &backend.User{Name: n, Role: backend.RoleAdmin}, "h"); err != nil {
					t.Fatal(err)
				}
			}
			errs := make(chan error, 2)
			go func() { errs <- db.DeleteUser(ctx, a) }()
			go func() { errs <- db.DeleteUser(ctx, b) }()
			for range 2 {
				if err := <-errs; err != nil && backend.ErrorCode(err) != backend.ECONFLICT {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if n, _ := db.CountUsers(ctx); n < 1 {
				t.Fatalf("round %d: no admin left", round)
			}
			// Leave one admin, as the next round starts with two more.
			for _, n := range []string{a, b} {
				_ = db.DeleteUser(ctx, n)
			}
		}
	})
}
