package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/images"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
)

const password = "classroom-pass"

// newServer runs the API in server mode over a real SQLite file, with one
// user per role named after the role.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _ := newServerWithImages(t)
	return srv
}

// newServerWithImages is newServer with its image tiler running.
func newServerWithImages(t *testing.T) (*httptest.Server, *images.Service) {
	t.Helper()
	srv, imgs, _ := newServerWith(t, nil)
	return srv, imgs
}

// newServerWith is newServerWithImages whose config more may complete
// (the training side) over the same database and data folder.
func newServerWith(t *testing.T, more func(cfg *api.Config, db *store.DB, layout backend.Layout)) (*httptest.Server, *images.Service, *store.DB) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hub := api.NewHub()
	as := auth.NewService(db)
	as.Cost = bcrypt.MinCost
	for _, r := range backend.Roles {
		if _, err := as.CreateUser(ctx, string(r), r, password); err != nil {
			t.Fatal(err)
		}
	}
	imgs := images.New(db, backend.Layout{Root: dir}, hub)
	cfg := api.Config{
		Projects: &projects.Service{Store: db, Layout: backend.Layout{Root: dir}, Emitter: hub},
		Images:   imgs, Labels: &annotate.Service{Store: db, Layout: backend.Layout{Root: dir}, Emitter: hub},
		Auth: as, Hub: hub, Mode: api.ModeServer, Version: "test",
	}
	if more != nil {
		more(&cfg, db, backend.Layout{Root: dir})
	}
	srv := httptest.NewServer(api.NewHandler(cfg))
	ctx, cancel := context.WithCancel(context.Background())
	go imgs.Run(ctx)
	t.Cleanup(func() { srv.Close(); cancel(); imgs.Wait() })
	return srv, imgs, db
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, srv *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: srv.URL, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// do sends a JSON request and decodes the JSON answer into out (if non-nil).
func (c *client) do(method, path string, body any, out any) (int, string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(raw, &e)
	return resp.StatusCode, e.Error.Code
}

func (c *client) login(name string) {
	c.t.Helper()
	if st, code := c.do("POST", "/api/login", map[string]string{"name": name, "password": password}, nil); st != 200 {
		c.t.Fatalf("login %s: %d %s", name, st, code)
	}
}

func TestSignInIsRequired(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	var h map[string]string
	if st, _ := c.do("GET", "/api/health", nil, &h); st != 200 || h["mode"] != "server" {
		t.Fatalf("health: %d %v", st, h)
	}
	for _, p := range []string{"/api/projects", "/api/session", "/api/events", "/api/projects/1"} {
		if st, code := c.do("GET", p, nil, nil); st != 401 || code != backend.EUNAUTHORIZED {
			t.Errorf("GET %s without session: %d %s", p, st, code)
		}
	}
	if st, code := c.do("POST", "/api/login", map[string]string{"name": "admin", "password": "nope-nope"}, nil); st != 401 || code != backend.EUNAUTHORIZED {
		t.Fatalf("wrong password: %d %s", st, code)
	}
	c.login("student")
	var s struct {
		User backend.User
		Mode string
	}
	if st, _ := c.do("GET", "/api/session", nil, &s); st != 200 || s.User.Role != backend.RoleStudent {
		t.Fatalf("session: %d %+v", st, s)
	}
	if st, _ := c.do("POST", "/api/logout", nil, nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _ := c.do("GET", "/api/projects", nil, nil); st != 401 {
		t.Fatalf("after logout: %d", st)
	}
}

// TestRolesOnProjects walks every role over every project route.
func TestRolesOnProjects(t *testing.T) {
	srv := newServer(t)
	owner := newClient(t, srv)
	owner.login("admin")
	var p backend.Project
	if st, _ := owner.do("POST", "/api/projects", map[string]string{"name": "Seed"}, &p); st != 201 {
		t.Fatalf("seed: %d", st)
	}
	mayManage := map[backend.Role]bool{backend.RoleAdmin: true, backend.RoleProfessor: true}
	for _, r := range backend.Roles {
		t.Run(string(r), func(t *testing.T) {
			c := newClient(t, srv)
			c.login(string(r))
			var list struct{ Projects []backend.Project }
			if st, _ := c.do("GET", "/api/projects", nil, &list); st != 200 || len(list.Projects) == 0 {
				t.Fatalf("list: %d %+v", st, list)
			}
			if st, _ := c.do("GET", "/api/projects/"+itoa(p.ID), nil, nil); st != 200 {
				t.Fatalf("show: %d", st)
			}
			want := 403
			if mayManage[r] {
				want = 201
			}
			var mine backend.Project
			if st, _ := c.do("POST", "/api/projects", map[string]string{"name": "by " + string(r)}, &mine); st != want {
				t.Fatalf("create: %d, want %d", st, want)
			}
			id := p.ID
			if mayManage[r] {
				id = mine.ID
			}
			want = map[bool]int{true: 200, false: 403}[mayManage[r]]
			if st, _ := c.do("PATCH", "/api/projects/"+itoa(id), map[string]string{"description": "x"}, nil); st != want {
				t.Fatalf("update: %d, want %d", st, want)
			}
			want = map[bool]int{true: 204, false: 403}[mayManage[r]]
			if st, _ := c.do("DELETE", "/api/projects/"+itoa(id), nil, nil); st != want {
				t.Fatalf("delete: %d, want %d", st, want)
			}
		})
	}
}

func TestProjectErrors(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	c.login("professor")
	cases := []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"POST", "/api/projects", map[string]string{"name": "  "}, 400, backend.EINVALID},
		{"POST", "/api/projects", map[string]any{"name": "x", "colour": "red"}, 400, backend.EINVALID},
		{"POST", "/api/projects", map[string]string{"name": "Roofs"}, 201, ""},
		{"POST", "/api/projects", map[string]string{"name": "Roofs"}, 409, backend.ECONFLICT},
		{"GET", "/api/projects/abc", nil, 400, backend.EINVALID},
		{"GET", "/api/projects/-3", nil, 400, backend.EINVALID},
		{"GET", "/api/projects/999", nil, 404, backend.ENOTFOUND},
		{"DELETE", "/api/projects/999", nil, 404, backend.ENOTFOUND},
		{"GET", "/api/nothing", nil, 404, backend.ENOTFOUND},
	}
	for _, tc := range cases {
		if st, code := c.do(tc.method, tc.path, tc.body, nil); st != tc.status || code != tc.code {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, st, code, tc.status, tc.code)
		}
	}
	// A body that is not JSON, as a cross-site form would send it.
	req, _ := http.NewRequest("POST", srv.URL+"/api/projects", strings.NewReader("name=evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("form post: %d, want 400", resp.StatusCode)
	}
}

func TestLiveStreamCarriesProjectEvents(t *testing.T) {
	srv := newServer(t)
	student := newClient(t, srv)
	student.login("student")
	req, _ := http.NewRequest("GET", srv.URL+"/api/events", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := student.http.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan backend.Event, 8)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e backend.Event
				if json.Unmarshal([]byte(d), &e) == nil {
					events <- e
				}
			}
		}
	}()
	prof := newClient(t, srv)
	prof.login("professor")
	var p backend.Project
	if st, _ := prof.do("POST", "/api/projects", map[string]string{"name": "Live"}, &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	select {
	case e := <-events:
		if e.Type != backend.EventProjectCreated || e.ProjectID != p.ID {
			t.Fatalf("event %+v", e)
		}
	case <-ctx.Done():
		t.Fatal("no event on the live stream")
	}

	// Signed out, the stream ends and carries nothing more.
	if st, _ := student.do("POST", "/api/logout", nil, nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	time.Sleep(1100 * time.Millisecond) // streams look at their session once a second
	if st, _ := prof.do("POST", "/api/projects", map[string]string{"name": "After"}, nil); st != 201 {
		t.Fatalf("create: %d", st)
	}
	select {
	case <-ended:
	case <-ctx.Done():
		t.Fatal("the live stream went on after sign-out")
	}
	select {
	case e := <-events:
		t.Fatalf("an event reached a signed-out stream: %+v", e)
	default:
	}
}

func TestDesktopModeActsAsLocalAdmin(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := api.NewHandler(api.Config{
		Projects:  &projects.Service{Store: db, Layout: backend.Layout{Root: dir}},
		LocalUser: &backend.User{ID: 0, Name: "local", Role: backend.RoleAdmin},
		Mode:      api.ModeDesktop,
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := newClient(t, srv)
	if st, _ := c.do("POST", "/api/projects", map[string]string{"name": "Offline"}, nil); st != 201 {
		t.Fatalf("create in desktop mode: %d", st)
	}
	if st, code := c.do("POST", "/api/login", map[string]string{"name": "a", "password": "b"}, nil); st != 400 || code != backend.EINVALID {
		t.Fatalf("login in desktop mode: %d %s", st, code)
	}
}

func itoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

// A page of another site (another port of the classroom server's host, a
// neighbouring subdomain) cannot make the signed-in user's browser change
// anything; Tessera's own page, and clients that are not browsers, can.
func TestRequestsFromAnotherSiteAreRefused(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	c.login("professor")
	send := func(site, origin, path, contentType, body string) int {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := send("cross-site", "http://evil.example", "/api/projects", "text/plain", `{"name":"planted"}`); st != 403 {
		t.Errorf("a cross-site create: %d, want 403", st)
	}
	if st := send("same-site", "http://10.0.0.5:8000", "/api/logout", "text/plain", ""); st != 403 {
		t.Errorf("a logout from another port of the host: %d, want 403", st)
	}
	if st := send("", "http://evil.example", "/api/projects", "application/json", `{"name":"planted"}`); st != 403 {
		t.Errorf("a create with another Origin (no Sec-Fetch-Site): %d, want 403", st)
	}
	var list struct{ Projects []backend.Project }
	if st, _ := c.do("GET", "/api/projects", nil, &list); st != 200 || len(list.Projects) != 0 {
		t.Fatalf("after refused requests: %d %+v", st, list.Projects)
	}
	if st := send("same-origin", srv.URL, "/api/projects", "application/json", `{"name":"mine"}`); st != 201 {
		t.Errorf("Tessera's own page creating a project: %d", st)
	}
	if st := send("", "", "/api/projects", "application/json", `{"name":"scripted"}`); st != 201 {
		t.Errorf("a script (no browser headers) creating a project: %d", st)
	}
}

// Guessing passwords is slowed: after 5 failures for one name from one
// address, that name's sign-in from there is refused for a while, even with
// the right password; other names from the same address still sign in.
func TestRepeatedFailedSignInsAreRefused(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	login := func(name, pw string) int {
		st, _ := c.do("POST", "/api/login", map[string]string{"name": name, "password": pw}, nil)
		return st
	}
	for i := range 5 {
		if st := login("student", "wrong-guess-"+itoa(int64(i))); st != 401 {
			t.Fatalf("guess %d: %d, want 401", i, st)
		}
	}
	if st := login("student", password); st != 429 {
		t.Fatalf("the right password after 5 failures: %d, want 429", st)
	}
	if st := login("assistant", password); st != 200 {
		t.Fatalf("another user from the same address: %d, want 200", st)
	}
}

// Guesses sent all at once are limited as well: an attempt being checked
// counts as a failure until it ends, so no more than 5 are ever tried.
func TestGuessesSentAtOnceAreLimitedToo(t *testing.T) {
	srv := newServer(t)
	statuses := make(chan int, 30)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t, srv)
			st, _ := c.do("POST", "/api/login", map[string]string{"name": "student", "password": "wrong-guess-" + itoa(int64(i))}, nil)
			statuses <- st
		}()
	}
	wg.Wait()
	close(statuses)
	tried := 0
	for st := range statuses {
		switch st {
		case 401:
			tried++
		case 429:
		default:
			t.Errorf("a guess answered %d", st)
		}
	}
	if tried > 5 {
		t.Fatalf("%d of 30 guesses sent at once were tried, want at most 5", tried)
	}
}
