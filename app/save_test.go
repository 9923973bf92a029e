package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
)

// These run without a display: only the dialog is stubbed, the API is the
// desktop's own handler (local admin) over a real SQLite database.

// desktopAPI is the API as the window gets it, with one project.
func desktopAPI(t *testing.T) http.Handler {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ps := &projects.Service{Store: db, Layout: backend.Layout{Root: dir}}
	if err := ps.CreateProject(context.Background(), &backend.Project{Name: "Cells 101", Description: "kidney"}); err != nil {
		t.Fatal(err)
	}
	return api.NewHandler(api.Config{
		Projects:  ps,
		LocalUser: &backend.User{Name: "local", Role: backend.RoleAdmin},
		Mode:      api.ModeDesktop,
		Logf:      t.Logf,
	})
}

// dialog stands in for the native save dialog: it answers with pick (a
// name in folder, or "" as a cancel) and records what it was asked.
type dialog struct {
	folder string
	pick   string
	asked  []string // "dir|name"
}

func (d *dialog) choose(dir, name string) (string, error) {
	d.asked = append(d.asked, dir+"|"+name)
	if d.pick == "" {
		return "", nil
	}
	return filepath.Join(d.folder, d.pick), nil
}

// files lists a folder's entries, to see no temporary file is left.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestSaveAPIFileWritesWhatTheHandlerServes(t *testing.T) {
	out := t.TempDir()
	d := &dialog{folder: out, pick: "project.json"}
	s := &saver{api: desktopAPI(t), choose: d.choose}

	got, err := s.saveAPI(context.Background(), "/api/projects/1", "project-1.json")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(out, "project.json"); got != want {
		t.Fatalf("saved to %q, want %q", got, want)
	}
	if len(d.asked) != 1 || d.asked[0] != "|project-1.json" {
		t.Fatalf("dialog asked %q", d.asked)
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	var p backend.Project
	if err := json.Unmarshal(b, &p); err != nil || p.Name != "Cells 101" {
		t.Fatalf("saved %q (%v)", b, err)
	}
	if fi, _ := os.Stat(got); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", fi.Mode().Perm())
	}
	if names := files(t, out); len(names) != 1 {
		t.Fatalf("folder holds %q", names)
	}

	// The next dialog opens where the last file went; a query is kept.
	d.pick = "list.json"
	if _, err := s.saveAPI(context.Background(), "/api/projects?x=1#frag", ""); err != nil {
		t.Fatal(err)
	}
	if d.asked[1] != out+"|projects" {
		t.Fatalf("second dialog asked %q", d.asked[1])
	}
	if b, _ := os.ReadFile(filepath.Join(out, "list.json")); !strings.Contains(string(b), "Cells 101") {
		t.Fatalf("list saved %q", b)
	}
}

func TestSaveAPIFileCancelled(t *testing.T) {
	out := t.TempDir()
	called := false
	s := &saver{
		api:    http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }),
		choose: (&dialog{folder: out}).choose,
	}
	got, err := s.saveAPI(context.Background(), "/api/projects/1", "p.json")
	if got != "" || err != nil {
		t.Fatalf("cancelled: %q, %v", got, err)
	}
	if called || len(files(t, out)) != 0 {
		t.Fatalf("a cancel made the request (%v) or a file (%q)", called, files(t, out))
	}
}

func TestSaveAPIFileRefusesOtherPaths(t *testing.T) {
	for _, p := range []string{
		"",
		"/",
		"/index.html",
		"/apix/projects",
		"api/projects",
		"/api/../index.html",
		"/api/projects/../../etc/passwd",
		"/api/%2e%2e/index.html",
		"/api/projects/1%2f..%2f..%2fx",
		"/api/./projects",
		`/api/projects\..\x`,
		"http://example.com/api/projects",
		"//example.com/api/projects",
		"wails://wails/api/projects",
		"file:///api/projects",
	} {
		d := &dialog{folder: t.TempDir(), pick: "x"}
		s := &saver{api: http.NotFoundHandler(), choose: d.choose}
		got, err := s.saveAPI(context.Background(), p, "x")
		if got != "" || backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("%q: %q, %v; want refused", p, got, err)
		}
		if len(d.asked) != 0 {
			t.Errorf("%q: a refused path opened the dialog", p)
		}
	}
}

func TestSaveAPIFileErrorLeavesNothing(t *testing.T) {
	out := t.TempDir()
	old := filepath.Join(out, "p.json")
	if err := os.WriteFile(old, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &saver{api: desktopAPI(t), choose: (&dialog{folder: out, pick: "p.json"}).choose}
	_, err := s.saveAPI(context.Background(), "/api/projects/99", "p.json")
	var e *backend.Error
	if !errors.As(err, &e) || e.Code != backend.ENOTFOUND || e.Message == "" {
		t.Fatalf("err %v, want the API's not_found", err)
	}
	if b, _ := os.ReadFile(old); string(b) != "mine" {
		t.Fatalf("a failed save changed the file: %q", b)
	}
	if names := files(t, out); len(names) != 1 {
		t.Fatalf("folder holds %q", names)
	}

	// A folder that is not there.
	s.choose = (&dialog{folder: filepath.Join(out, "gone"), pick: "p.json"}).choose
	if _, err := s.saveAPI(context.Background(), "/api/projects/1", "p.json"); err == nil {
		t.Fatal("saved into a missing folder")
	}
}

// A large download is streamed through (the handler's own way of sending
// files), replaces an older file keeping its mode, and keeps its bytes.
func TestSaveAPIFileStreamsAndReplaces(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/jobs/{job}/model", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="m.zip"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	})
	out := t.TempDir()
	dest := filepath.Join(out, "m.zip")
	if err := os.WriteFile(dest, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &saver{api: mux, choose: (&dialog{folder: out, pick: "m.zip"}).choose}
	if _, err := s.saveAPI(context.Background(), "/api/jobs/abc/model", "m.zip"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dest)
	if !bytes.Equal(b, data) {
		t.Fatalf("saved %d bytes, want %d", len(b), len(data))
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want the old file's 0600", fi.Mode().Perm())
	}
}

func TestSaveText(t *testing.T) {
	out := t.TempDir()
	d := &dialog{folder: out, pick: "report.html"}
	s := &saver{choose: d.choose}
	got, err := s.saveText("../../Report of run 1.html", "<!doctype html><p>IoU 0.9</p>")
	if err != nil {
		t.Fatal(err)
	}
	if d.asked[0] != "|Report of run 1.html" {
		t.Fatalf("dialog suggested %q", d.asked[0])
	}
	if b, _ := os.ReadFile(got); string(b) != "<!doctype html><p>IoU 0.9</p>" {
		t.Fatalf("saved %q", b)
	}

	d.pick = ""
	if got, err := s.saveText("r.html", "x"); got != "" || err != nil {
		t.Fatalf("cancelled: %q, %v", got, err)
	}

	// A folder chosen as the file is refused, and left alone.
	if err := os.Mkdir(filepath.Join(out, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	d.pick = "dir"
	if _, err := s.saveText("r.html", "x"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("saving over a folder: %v", err)
	}

	s.choose = func(string, string) (string, error) { return "", errors.New("no display") }
	if _, err := s.saveText("r.html", "x"); err == nil || !strings.Contains(err.Error(), "no display") {
		t.Fatalf("dialog failure: %v", err)
	}
}

func TestBodyWriterStopsOnWriteError(t *testing.T) {
	w := &bodyWriter{header: http.Header{}, dst: failingWriter{}}
	if _, err := io.WriteString(w, "abc"); err == nil {
		t.Fatal("a failed write was not reported to the handler")
	}
	if err := w.result("/api/x"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("result %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestSaveFilters(t *testing.T) {
	if f := saveFilters("tessera-model-1.zip"); len(f) != 2 || f[0].Pattern != "*.zip;*.ZIP" || f[1].Pattern != "*" {
		t.Fatalf("filters %+v", f)
	}
	if f := saveFilters("README"); f != nil {
		t.Fatalf("filters for no extension %+v", f)
	}
}

// Saving onto a link writes what it points to and keeps the link; a new
// file's mode follows the umask (not a fixed 0644 nor CreateTemp's 0600).
func TestSaveThroughALink(t *testing.T) {
	out := t.TempDir()
	target := filepath.Join(out, "real.html")
	os.WriteFile(target, []byte("old"), 0o640)
	if err := os.Symlink(target, filepath.Join(out, "link.html")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	d := &dialog{folder: out, pick: "link.html"}
	s := &saver{choose: d.choose}
	if _, err := s.saveText("r.html", "new"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(out, "link.html")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Fatalf("target holds %q", b)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Fatalf("target mode %v, want its own 0640", fi.Mode().Perm())
	}
}
