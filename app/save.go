package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tessera-lab/tessera/backend"
)

// saver keeps a file where the user picks: what the API serves (a log, a
// model, a label export), produced in-process by the handler the window
// talks to, or text the page made (a report). The window cannot: WebKitGTK
// under Wails saves nothing for download links and Blob URLs.
type saver struct {
	// api serves /api/… as the desktop's local admin: the window's own
	// handler, so no port is opened and exports stay one at a time.
	api http.Handler
	// choose asks the user where to save a file named name, starting in
	// dir ("" = the dialog's choice), and returns the chosen path, "" when
	// cancelled. The native dialog in the app, a stub in tests.
	choose func(dir, name string) (string, error)

	mu      sync.Mutex // one dialog at a time; guards lastDir
	lastDir string     // where the previous file went: the next dialog opens there
}

// saveAPI asks where to save, then writes there what GET apiPath answers.
// It returns the file's path, "" when the user cancelled.
func (s *saver) saveAPI(ctx context.Context, apiPath, suggested string) (string, error) {
	u, err := apiURL(apiPath)
	if err != nil {
		return "", err
	}
	if suggested == "" {
		suggested = path.Base(u.Path)
	}
	dest, err := s.ask(suggested)
	if dest == "" || err != nil {
		return "", err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return dest, writeFile(dest, func(f io.Writer) error { return s.get(ctx, u, f) })
}

// saveText asks where to save, then writes content there. It returns the
// file's path, "" when the user cancelled.
func (s *saver) saveText(suggested, content string) (string, error) {
	dest, err := s.ask(suggested)
	if dest == "" || err != nil {
		return "", err
	}
	return dest, writeFile(dest, func(f io.Writer) error {
		_, err := io.WriteString(f, content)
		return err
	})
}

func (s *saver) ask(suggested string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := s.lastDir
	if fi, err := os.Stat(dir); dir != "" && (err != nil || !fi.IsDir()) {
		dir = "" // gone since: the native dialog refuses a missing folder
	}
	dest, err := s.choose(dir, fileName(suggested))
	if err != nil {
		return "", fmt.Errorf("save dialog: %w", err)
	}
	if dest == "" {
		return "", nil
	}
	dest = filepath.Clean(dest)
	s.lastDir = filepath.Dir(dest)
	return dest, nil
}

// get writes the body of GET u, served by the API in-process, to dst. An
// answer other than 2xx is the API's error, and nothing of it reaches dst.
func (s *saver) get(ctx context.Context, u *url.URL, dst io.Writer) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return backend.Errorf(backend.EINVALID, "not an API path: %q", u.String())
	}
	r.RequestURI = u.RequestURI()
	w := &bodyWriter{header: http.Header{}, dst: dst}
	s.api.ServeHTTP(w, r)
	return w.result(u.Path)
}

// apiURL checks that p is a path of the API (with a query, if any) and
// nothing else: no other origin, no page asset, no step out with "..".
func apiURL(p string) (*url.URL, error) {
	refuse := backend.Errorf(backend.EINVALID, "only files of Tessera's API can be saved this way, not %q", p)
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/api/") || strings.ContainsAny(u.Path, "\\\x00") {
		return nil, refuse
	}
	// u.Path is decoded: "%2e%2e" and "%2f" are caught here too.
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, refuse
		}
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// fileName is the name the dialog suggests: the last element of name,
// which comes from the page.
func fileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == ".." {
		return "download"
	}
	return name
}

// writeFile writes a file at dest with write, through a temporary file in
// the same folder renamed into place: dest is either its old self or the
// whole new file, never a partial one.
func writeFile(dest string, write func(io.Writer) error) (err error) {
	if real, err := filepath.EvalSymlinks(dest); err == nil {
		dest = real // saving onto a link replaces what it points to, not the link
	}
	var mode os.FileMode // 0: a new file, whose mode the user's umask decides
	if fi, err := os.Stat(dest); err == nil {
		if fi.IsDir() {
			return backend.Errorf(backend.EINVALID, "%s is a folder: choose a file name", dest)
		}
		mode = fi.Mode().Perm() // replacing a file keeps who may read it
	}
	f, err := createPart(dest)
	if err != nil {
		return fmt.Errorf("save %s: %w", dest, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if mode != 0 {
		if err := f.Chmod(mode); err != nil {
			return fmt.Errorf("save %s: %w", dest, err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save %s: %w", dest, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save %s: %w", dest, err)
	}
	if err := os.Rename(f.Name(), dest); err != nil {
		return fmt.Errorf("save %s: %w", dest, err)
	}
	return nil
}

// bodyWriter is the http.ResponseWriter of an in-process API request: a
// success's body goes to dst as it comes; an error's is kept to read the
// API's message from.
type bodyWriter struct {
	header http.Header
	status int
	dst    io.Writer
	errBuf bytes.Buffer
	werr   error // the first failure writing to dst
}

// maxErrorBody bounds what is kept of an error response.
const maxErrorBody = 64 << 10

func (w *bodyWriter) Header() http.Header { return w.header }

func (w *bodyWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
}

func (w *bodyWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.ok() {
		if room := maxErrorBody - w.errBuf.Len(); room > 0 {
			w.errBuf.Write(p[:min(len(p), room)])
		}
		return len(p), nil
	}
	if w.werr != nil {
		return 0, w.werr
	}
	n, err := w.dst.Write(p)
	if err != nil {
		w.werr = err
	}
	return n, err
}

func (w *bodyWriter) ok() bool { return w.status >= 200 && w.status < 300 }

// result is the request's outcome: nil when the whole body reached dst.
func (w *bodyWriter) result(apiPath string) error {
	if w.status == 0 {
		w.status = http.StatusOK // nothing written: an empty 200, as a server sends
	}
	if w.werr != nil {
		return fmt.Errorf("write: %w", w.werr)
	}
	if w.ok() {
		return nil
	}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(w.errBuf.Bytes(), &body) == nil && body.Error.Message != "" {
		code := body.Error.Code
		if code == "" {
			code = backend.EINTERNAL
		}
		return &backend.Error{Code: code, Message: body.Error.Message}
	}
	return backend.Errorf(backend.EINTERNAL, "%s answered %d %s", apiPath, w.status, http.StatusText(w.status))
}

// createPart creates a new temporary file beside dest, with the mode a new
// file gets from the user's umask (os.CreateTemp's is always 0600).
func createPart(dest string) (*os.File, error) {
	for range 100 {
		name := fmt.Sprintf(".%s.%d.part", filepath.Base(dest), rand.Uint32())
		f, err := os.OpenFile(filepath.Join(filepath.Dir(dest), name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("no free temporary name")
}
