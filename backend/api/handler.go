// Package api is Tessera's HTTP JSON API and live event stream. The browser
// (server mode) and the desktop window (through Wails' asset server) use the
// same handler.
package api

import (
	"log"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/evaluate"
	"github.com/tessera-lab/tessera/backend/images"
	"github.com/tessera-lab/tessera/backend/training"
)

// Mode names how Tessera runs, as the UI sees it.
const (
	ModeDesktop = "desktop"
	ModeServer  = "server"
)

// Config is what the handler is built from.
type Config struct {
	Projects backend.ProjectService
	Images   *images.Service
	Labels   *annotate.Service
	Training *training.Service
	Evaluate *evaluate.Service
	// Auth signs users in (server mode). Nil with LocalUser set (desktop).
	Auth *auth.Service
	// LocalUser, when set, is the caller of every request: the desktop's one
	// local admin, reached only from the app's own window.
	LocalUser *backend.User
	Hub       *Hub
	Mode      string
	Version   string
	Logf      func(format string, args ...any)
}

// Handler serves /api/….
type Handler struct {
	cfg Config
	mux *http.ServeMux

	exporting sync.Mutex // label exports, one at a time
	// crossOrigin refuses, in server mode, a browser's state-changing
	// request that another site's page sent with the user's cookie.
	crossOrigin *http.CrossOriginProtection
	logins      *loginGuard
}

// NewHandler returns the API handler with every route registered.
func NewHandler(cfg Config) *Handler {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.Hub == nil {
		cfg.Hub = NewHub()
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), logins: newLoginGuard()}
	if cfg.Mode == ModeServer {
		h.crossOrigin = http.NewCrossOriginProtection()
	}
	h.mux.HandleFunc("GET /api/health", h.health)
	h.mux.HandleFunc("GET /api/session", h.session)
	h.mux.HandleFunc("POST /api/login", h.login)
	h.mux.HandleFunc("POST /api/logout", h.logout)
	h.mux.HandleFunc("GET /api/events", h.events)
	h.mux.HandleFunc("GET /api/projects", h.listProjects)
	h.mux.HandleFunc("POST /api/projects", h.createProject)
	h.mux.HandleFunc("GET /api/projects/{id}", h.getProject)
	h.mux.HandleFunc("PATCH /api/projects/{id}", h.updateProject)
	h.mux.HandleFunc("DELETE /api/projects/{id}", h.deleteProject)
	h.userRoutes()
	if cfg.Images != nil {
		h.imageRoutes()
	}
	if cfg.Labels != nil {
		h.labelRoutes()
	}
	if cfg.Training != nil {
		h.trainingRoutes()
		h.modelRoutes()
	}
	if cfg.Evaluate != nil {
		h.evaluateRoutes()
	}
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, backend.Errorf(backend.ENOTFOUND, "no API route %s %s", r.Method, r.URL.Path), h.cfg.Logf)
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A bug in one handler is that request's 500, not the app's end (the
	// desktop's asset server recovers nothing).
	defer func() {
		if v := recover(); v != nil {
			h.cfg.Logf("api: %s %s panicked: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			h.fail(w, r, backend.Errorf(backend.EINTERNAL, "an internal error (a bug) stopped this request; the app goes on"))
		}
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	if h.crossOrigin != nil {
		if err := h.crossOrigin.Check(r); err != nil {
			h.fail(w, r, backend.Errorf(backend.EFORBIDDEN, "a request from another site (%v): open Tessera's own page", err))
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": h.cfg.Version, "mode": h.cfg.Mode})
}

// fail writes err as the API's error body.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, err, h.cfg.Logf)
}
