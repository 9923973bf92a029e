package api_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
)

type created struct {
	User     backend.User
	Password string
}

type userList struct {
	Users []backend.User
	Roles []backend.Role
}

// TestRolesOnUsers walks every role over every account route: admins
// manage every account, professors those of students and assistants
// (auth.CheckManage), the others none (403); everyone changes their own
// password.
func TestRolesOnUsers(t *testing.T) {
	srv := newServer(t)
	admin := newClient(t, srv)
	admin.login("admin")
	seed := func(name string, role backend.Role) {
		t.Helper()
		if st, code := admin.do("POST", "/api/users", map[string]any{"name": name, "role": role, "password": password}, nil); st != 201 {
			t.Fatalf("seed %s: %d %s", name, st, code)
		}
	}
	for _, r := range backend.Roles {
		for _, target := range backend.Roles {
			seed("reset-"+string(r)+"-"+string(target), target)
			seed("del-"+string(r)+"-"+string(target), target)
		}
	}
	may := func(r, target backend.Role) bool {
		return auth.CheckManage(&backend.User{Name: "x", Role: r}, target) == nil
	}
	for _, r := range backend.Roles {
		t.Run(string(r), func(t *testing.T) {
			c := newClient(t, srv)
			c.login(string(r))
			check := func(allowed bool, ok int, method, path string, body any) {
				t.Helper()
				st, code := c.do(method, path, body, nil)
				want := map[bool]int{true: ok, false: 403}[allowed]
				if st != want {
					t.Errorf("%s %s as %s: %d %s, want %d", method, path, r, st, code, want)
				}
			}
			check(auth.Can(r, auth.ManageStudents), 200, "GET", "/api/users", nil)
			for _, target := range backend.Roles {
				suffix := string(r) + "-" + string(target)
				check(may(r, target), 201, "POST", "/api/users", map[string]any{"name": "new-" + suffix, "role": target})
				check(may(r, target), 201, "POST", "/api/users", map[string]any{"users": []map[string]any{{"name": "bulk-" + suffix, "role": target}}})
				check(may(r, target), 200, "PUT", "/api/users/reset-"+suffix+"/password", nil)
				check(may(r, target), 204, "DELETE", "/api/users/del-"+suffix, nil)
			}
			// Last: it ends this user's other sessions.
			check(true, 200, "PUT", "/api/session/password", map[string]string{"current": password, "new": "a new password"})
		})
	}
	// No refused call touched an account.
	var list userList
	if st, _ := newClientAs(t, srv, "admin", "a new password").do("GET", "/api/users", nil, &list); st != 200 {
		t.Fatalf("list: %d", st)
	}
	names := map[string]bool{}
	for _, u := range list.Users {
		names[u.Name] = true
	}
	for _, r := range backend.Roles {
		for _, target := range backend.Roles {
			suffix := string(r) + "-" + string(target)
			if names["new-"+suffix] != may(r, target) || names["bulk-"+suffix] != may(r, target) || names["del-"+suffix] == may(r, target) {
				t.Errorf("%s on %s accounts: new %v, bulk %v, still there %v", r, target, names["new-"+suffix], names["bulk-"+suffix], names["del-"+suffix])
			}
		}
	}
}

// newClientAs signs a new client in with a password of its own.
func newClientAs(t *testing.T, srv *httptest.Server, name, pw string) *client {
	t.Helper()
	c := newClient(t, srv)
	if st, code := c.do("POST", "/api/login", map[string]string{"name": name, "password": pw}, nil); st != 200 {
		t.Fatalf("login %s: %d %s", name, st, code)
	}
	return c
}

func TestAddingUsers(t *testing.T) {
	srv := newServer(t)
	admin := newClient(t, srv)
	admin.login("admin")

	var one created
	if st, _ := admin.do("POST", "/api/users", map[string]any{"name": " ada ", "role": "student"}, &one); st != 201 {
		t.Fatalf("add: %d", st)
	}
	if one.User.Name != "ada" || one.User.Role != backend.RoleStudent || len(one.Password) != auth.GeneratedPasswordLen || one.User.CreatedAt.IsZero() {
		t.Fatalf("added %+v", one)
	}
	newClientAs(t, srv, "ada", one.Password)

	var given created
	if st, _ := admin.do("POST", "/api/users", map[string]any{"name": "bob", "role": "assistant", "password": "bobs password"}, &given); st != 201 || given.Password != "" {
		t.Fatalf("add with a password: %d %+v", st, given)
	}
	newClientAs(t, srv, "bob", "bobs password")

	refused := []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"name": "ada", "role": "student"}, 409, backend.ECONFLICT},
		{map[string]any{"name": "", "role": "student"}, 400, backend.EINVALID},
		{map[string]any{"name": "   ", "role": "student"}, 400, backend.EINVALID},
		{map[string]any{"name": "a\x00b", "role": "student"}, 400, backend.EINVALID},
		{map[string]any{"name": "two words", "role": "student"}, 400, backend.EINVALID},
		{map[string]any{"name": strings.Repeat("x", 65), "role": "student"}, 400, backend.EINVALID},
		{map[string]any{"name": "cy", "role": "dean"}, 400, backend.EINVALID},
		{map[string]any{"name": "cy", "role": "student", "password": "short"}, 400, backend.EINVALID},
		{map[string]any{"name": "cy", "role": "student", "users": []any{}}, 400, backend.EINVALID},
		{map[string]any{"users": []any{}}, 400, backend.EINVALID},
		{map[string]any{"name": "cy", "role": "student", "admin": true}, 400, backend.EINVALID},
	}
	for _, c := range refused {
		if st, code := admin.do("POST", "/api/users", c.body, nil); st != c.status || code != c.code {
			t.Errorf("add %v: %d %s, want %d %s", c.body, st, code, c.status, c.code)
		}
	}

	// A class at once: every password generated, shown once.
	var class struct{ Users []created }
	body := map[string]any{"users": []map[string]any{
		{"name": "s1", "role": "student"}, {"name": "s2", "role": "student"}, {"name": "ta", "role": "assistant", "password": "given password"},
	}}
	if st, _ := admin.do("POST", "/api/users", body, &class); st != 201 || len(class.Users) != 3 {
		t.Fatalf("add a class: %d %+v", st, class)
	}
	if class.Users[0].User.Name != "s1" || len(class.Users[0].Password) != auth.GeneratedPasswordLen || class.Users[2].Password != "" {
		t.Fatalf("class: %+v", class.Users)
	}
	newClientAs(t, srv, "s2", class.Users[1].Password)
	newClientAs(t, srv, "ta", "given password")

	// All or none: one taken name, one bad name, one repeated, and nobody is added.
	body = map[string]any{"users": []map[string]any{
		{"name": "s3", "role": "student"}, {"name": "s1", "role": "student"}, {"name": "a\x00", "role": "student"}, {"name": "s3", "role": "student"},
	}}
	if st, code := admin.do("POST", "/api/users", body, nil); st != 400 || code != backend.EINVALID {
		t.Fatalf("a class with problems: %d %s", st, code)
	}
	var list userList
	if st, _ := admin.do("GET", "/api/users", nil, &list); st != 200 {
		t.Fatalf("list: %d", st)
	}
	for _, u := range list.Users {
		if u.Name == "s3" {
			t.Fatal("a refused class added s3")
		}
	}
	if len(list.Users) != 4+2+3 || len(list.Roles) != 4 {
		t.Fatalf("list: %+v", list)
	}
	// A professor adds students and assistants only, and is told so.
	prof := newClient(t, srv)
	prof.login("professor")
	if st, _ := prof.do("GET", "/api/users", nil, &list); st != 200 || len(list.Roles) != 2 {
		t.Fatalf("professor's list: %d %+v", st, list.Roles)
	}
	body = map[string]any{"users": []map[string]any{{"name": "p1", "role": "student"}, {"name": "p2", "role": "professor"}}}
	if st, _ := prof.do("POST", "/api/users", body, nil); st != 403 {
		t.Fatalf("a professor adding a professor in a class: %d", st)
	}
}

func TestResettingAndDeletingUsers(t *testing.T) {
	srv := newServer(t)
	admin := newClient(t, srv)
	admin.login("admin")
	student := newClient(t, srv)
	student.login("student")

	// A reset without a password generates one and ends the user's sessions.
	var reset created
	if st, _ := admin.do("PUT", "/api/users/student/password", nil, &reset); st != 200 || len(reset.Password) != auth.GeneratedPasswordLen || reset.User.Name != "student" {
		t.Fatalf("reset: %d %+v", st, reset)
	}
	if st, _ := student.do("GET", "/api/session", nil, nil); st != 401 {
		t.Fatalf("the student's session after a reset: %d", st)
	}
	if st, _ := newClient(t, srv).do("POST", "/api/login", map[string]string{"name": "student", "password": password}, nil); st != 401 {
		t.Fatalf("the old password after a reset: %d", st)
	}
	student = newClientAs(t, srv, "student", reset.Password)
	// A reset with a password: none in the answer.
	reset = created{}
	if st, _ := admin.do("PUT", "/api/users/student/password", map[string]string{"password": "chosen password"}, &reset); st != 200 || reset.Password != "" {
		t.Fatalf("reset to a chosen password: %d %+v", st, reset)
	}
	newClientAs(t, srv, "student", "chosen password")

	refusals := []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"PUT", "/api/users/student/password", map[string]string{"password": "short"}, 400, backend.EINVALID},
		{"PUT", "/api/users/nobody/password", nil, 404, backend.ENOTFOUND},
		{"PUT", "/api/users/a%00b/password", nil, 400, backend.EINVALID},
		{"PUT", "/api/users/%20/password", nil, 400, backend.EINVALID},
		{"PUT", "/api/users/admin/password", nil, 400, backend.EINVALID}, // one's own: with the current password
		{"DELETE", "/api/users/admin", nil, 400, backend.EINVALID},       // oneself
		{"DELETE", "/api/users/nobody", nil, 404, backend.ENOTFOUND},
		{"DELETE", "/api/users/a%00b", nil, 400, backend.EINVALID},
		{"DELETE", "/api/users/%20", nil, 400, backend.EINVALID},
	}
	for _, c := range refusals {
		if st, code := admin.do(c.method, c.path, c.body, nil); st != c.status || code != c.code {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, st, code, c.status, c.code)
		}
	}
	if st, _ := admin.do("GET", "/api/session", nil, nil); st != 200 {
		t.Fatalf("the admin is still signed in: %d", st)
	}

	// Deleting ends the user's sessions.
	if st, _ := admin.do("DELETE", "/api/users/student", nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st, _ := student.do("GET", "/api/session", nil, nil); st != 401 {
		t.Fatalf("a deleted user's session: %d", st)
	}
	if st, _ := admin.do("DELETE", "/api/users/student", nil, nil); st != 404 {
		t.Fatalf("delete twice: %d", st)
	}

	// A second admin may delete the first; the last one stays.
	if st, _ := admin.do("POST", "/api/users", map[string]any{"name": "root2", "role": "admin", "password": password}, nil); st != 201 {
		t.Fatalf("second admin: %d", st)
	}
	root2 := newClientAs(t, srv, "root2", password)
	if st, _ := root2.do("DELETE", "/api/users/admin", nil, nil); st != 204 {
		t.Fatalf("an admin deleting another: %d", st)
	}
	if st, code := root2.do("DELETE", "/api/users/root2", nil, nil); st != 400 || code != backend.EINVALID {
		t.Fatalf("the last admin deleting themself: %d %s", st, code)
	}
}

func TestChangingOwnPassword(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	c.login("student")
	other := newClient(t, srv)
	other.login("student")

	// A wrong current password is a form error, not a signed-out session.
	if st, code := c.do("PUT", "/api/session/password", map[string]string{"current": "not it at all", "new": "a new password"}, nil); st != 400 || code != backend.EINVALID {
		t.Fatalf("wrong current password: %d %s", st, code)
	}
	if st, code := c.do("PUT", "/api/session/password", map[string]string{"current": password, "new": "short"}, nil); st != 400 || code != backend.EINVALID {
		t.Fatalf("short new password: %d %s", st, code)
	}
	var s struct{ User backend.User }
	if st, _ := c.do("PUT", "/api/session/password", map[string]string{"current": password, "new": "a new password"}, &s); st != 200 || s.User.Name != "student" {
		t.Fatalf("change: %d %+v", st, s)
	}
	// This session goes on; the others end.
	if st, _ := c.do("GET", "/api/session", nil, nil); st != 200 {
		t.Fatalf("own session after the change: %d", st)
	}
	if st, _ := other.do("GET", "/api/session", nil, nil); st != 401 {
		t.Fatalf("another session after the change: %d", st)
	}
	newClientAs(t, srv, "student", "a new password")

	// Guessing the current password is limited like signing in.
	last := 0
	for range 8 {
		last, _ = c.do("PUT", "/api/session/password", map[string]string{"current": "guess guess", "new": "another password"}, nil)
	}
	if last != 429 {
		t.Fatalf("repeated wrong current passwords: %d, want 429", last)
	}
	if st, _ := newClient(t, srv).do("PUT", "/api/session/password", map[string]string{"current": password, "new": "a new password"}, nil); st != 401 {
		t.Fatalf("without a session: %d", st)
	}
}

// TestDesktopHasNoAccounts: the desktop's one local admin is told why.
func TestDesktopHasNoAccounts(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(api.NewHandler(api.Config{
		Projects:  &projects.Service{Store: db, Layout: backend.Layout{Root: dir}},
		LocalUser: &backend.User{ID: 0, Name: "local", Role: backend.RoleAdmin},
		Mode:      api.ModeDesktop,
	}))
	defer srv.Close()
	c := newClient(t, srv)
	for _, rt := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/users", nil},
		{"POST", "/api/users", map[string]any{"name": "ada", "role": "student"}},
		{"PUT", "/api/users/ada/password", nil},
		{"DELETE", "/api/users/ada", nil},
		{"PUT", "/api/session/password", map[string]string{"current": "x", "new": "long enough"}},
	} {
		if st, code := c.do(rt.method, rt.path, rt.body, nil); st != 400 || code != backend.EINVALID {
			t.Errorf("%s %s in desktop mode: %d %s", rt.method, rt.path, st, code)
		}
	}
}
