package auth_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/store"
)

const password = "classroom-pass"

// TestBulkPartsAreNamed: a refused class says which entries were wrong.
func TestBulkPartsAreNamed(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	s.Cost = 4
	if _, err := s.CreateUsers(ctx, []auth.NewUser{{Name: "s1", Role: backend.RoleStudent}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateUsers(ctx, []auth.NewUser{
		{Name: "s2", Role: backend.RoleStudent}, {Name: "s1", Role: backend.RoleStudent}, {Name: "", Role: backend.RoleStudent},
	})
	f := backend.ErrorFields(err)
	if backend.ErrorCode(err) != backend.EINVALID || len(f) != 2 || f[0].Field != "users[1]" || f[1].Field != "users[2]" {
		t.Fatalf("refused class: %v %+v", err, f)
	}
	_, err = s.CreateUsers(ctx, []auth.NewUser{{Name: "s1", Role: backend.RoleStudent}})
	if backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("one taken name: %v", err)
	}
}

// TestLastAdminStays: the service refuses to delete the last admin even
// when the caller is not them (two admins deleting each other at once).
func TestLastAdminStays(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	s.Cost = 4
	if _, err := s.CreateUser(ctx, "root", backend.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "root"); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("delete the last admin: %v", err)
	}
	if err := s.DeleteUser(ctx, "ro\x00ot"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("delete a name with NUL: %v", err)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := auth.GeneratePassword()
		if len(p) != auth.GeneratedPasswordLen || seen[p] {
			t.Fatalf("password %q (seen before: %v)", p, seen[p])
		}
		seen[p] = true
		for _, c := range p {
			if !strings.ContainsRune("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", c) {
				t.Fatalf("password %q has %q", p, c)
			}
		}
	}
}

// Names that would mislead where they are shown are refused: in a terminal
// (control characters, bidirectional overrides), in an address (. and ..),
// in the spreadsheet a teacher opens the new passwords in (= + - @ first).
func TestNamesThatMisleadAreRefused(t *testing.T) {
	for _, name := range []string{".", "..", "=HYPERLINK(\"x\")", "+1", "-x", "@SUM(1)", "ab\x1b[2Kc", "evil\u202etxt", "a\u2028b", "two words", ""} {
		if _, err := auth.ValidName(name); backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("%q: %v, want refused", name, err)
		}
	}
	for _, name := range []string{"ada", "josé.garcía", "bo_2", "k@lab"} {
		if got, err := auth.ValidName(name); err != nil || got != name {
			t.Errorf("%q: %q %v, want accepted", name, got, err)
		}
	}
}

// newService is the auth service over a fresh SQLite file, closed after the test.
func newService(t *testing.T) *auth.Service {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return auth.NewService(db)
}
