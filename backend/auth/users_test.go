package auth_test

import (
	"context"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

func TestLoginLogout(t *testing.T) {
	ctx := context.Background()
	s := newService(t)

	if _, err := s.CreateUser(ctx, "ada", backend.RoleStudent, "short"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("short password: %v", err)
	}
	if _, err := s.CreateUser(ctx, "ada", "dean", "long enough"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("bad role: %v", err)
	}
	if _, err := s.CreateUser(ctx, "ada", backend.RoleStudent, "correct horse"); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]string{{"ada", "wrong horse"}, {"bob", "correct horse"}} {
		_, _, err := s.Login(ctx, c[0], c[1])
		if backend.ErrorCode(err) != backend.EUNAUTHORIZED || backend.ErrorMessage(err) != "wrong user name or password" {
			t.Fatalf("login %v: %v", c, err)
		}
	}
	// A name with NUL is no one's, and PostgreSQL could not look it up.
	if _, _, err := s.Login(ctx, "ada\x00", "correct horse"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("login with NUL in the name: %v", err)
	}
	if _, err := s.CreateUser(ctx, "bob\x00", backend.RoleStudent, "correct horse"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("a user name with NUL: %v", err)
	}
	u, tok, err := s.Login(ctx, "ada", "correct horse")
	if err != nil || u.Role != backend.RoleStudent || len(tok) < 40 {
		t.Fatalf("login: %+v %q %v", u, tok, err)
	}
	if got, err := s.Authenticate(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if _, err := s.Authenticate(ctx, tok+"x"); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
		t.Fatalf("forged token: %v", err)
	}
	if err := s.Logout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
		t.Fatalf("after logout: %v", err)
	}
}
