package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

const sessionCookie = "tessera_session"

type sessionBody struct {
	User *backend.User `json:"user"`
	Mode string        `json:"mode"`
}

// token returns the session token from the cookie or an Authorization:
// Bearer header (scripts).
func token(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// caller returns the signed-in user or EUNAUTHORIZED.
func (h *Handler) caller(r *http.Request) (*backend.User, error) {
	if h.cfg.LocalUser != nil {
		return h.cfg.LocalUser, nil
	}
	if h.cfg.Auth == nil {
		return nil, backend.Errorf(backend.EUNAUTHORIZED, "sign in first")
	}
	return h.cfg.Auth.Authenticate(r.Context(), token(r))
}

// allow returns the caller when their role may do action, else writes the
// error response and returns nil.
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, action auth.Action) *backend.User {
	u, err := h.caller(r)
	if err == nil {
		err = auth.Check(u, action)
	}
	if err != nil {
		h.fail(w, r, err)
		return nil
	}
	return u
}

func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	u, err := h.caller(r)
	h.reply(w, r, http.StatusOK, sessionBody{User: u, Mode: h.cfg.Mode}, err)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Auth == nil {
		h.fail(w, r, backend.Errorf(backend.EINVALID, "the desktop app has no sign-in"))
		return
	}
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	end, err := h.logins.begin(r, in.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, tok, err := h.cfg.Auth.Login(r.Context(), in.Name, in.Password)
	end(backend.ErrorCode(err) == backend.EUNAUTHORIZED)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.startSession(w, r, u, tok)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Auth != nil {
		if t := token(r); t != "" {
			if err := h.cfg.Auth.Logout(r.Context(), t); err != nil {
				h.fail(w, r, err)
				return
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

// overHTTPS: the browser reached us over HTTPS, here or at a TLS proxy in
// front (which says so in X-Forwarded-Proto; a client lying about it only
// keeps its own cookie off plain HTTP).
func overHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// startSession answers a sign-in with the session's cookie and who it is.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u *backend.User, tok string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: overHTTPS(r),
		SameSite: http.SameSiteStrictMode, Expires: time.Now().Add(auth.SessionTTL),
	})
	writeJSON(w, http.StatusOK, sessionBody{User: u, Mode: h.cfg.Mode})
}
