package store_test

import (
	"context"
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
