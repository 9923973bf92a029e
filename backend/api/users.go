package api

import (
	"net/http"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

// userRoutes: a classroom server's accounts, managed from the browser as
// with `tessera user`. Admins manage every account (ManageUsers), professors
// those of students and assistants (ManageStudents); every signed-in user
// changes their own password. The desktop app's one local user has none of
// this: there each route answers a refusal saying so.
func (h *Handler) userRoutes() {
	h.mux.HandleFunc("GET /api/users", h.listUsers)
	h.mux.HandleFunc("POST /api/users", h.createUsers)
	h.mux.HandleFunc("PUT /api/users/{name}/password", h.resetPassword)
	h.mux.HandleFunc("DELETE /api/users/{name}", h.deleteUser)
	h.mux.HandleFunc("PUT /api/session/password", h.changeOwnPassword)
}

// errNoAccounts is the desktop's answer to the account routes.
func errNoAccounts() error {
	return backend.Errorf(backend.EINVALID, "the desktop app has one local user and no accounts to manage: accounts are for a classroom server (tessera serve)")
}

// accountManager returns the caller when they may manage accounts at all
// (ManageStudents) on a server, else writes the error and returns nil.
func (h *Handler) accountManager(w http.ResponseWriter, r *http.Request) *backend.User {
	u := h.allow(w, r, auth.ManageStudents)
	if u == nil {
		return nil
	}
	if h.cfg.Auth == nil {
		h.fail(w, r, errNoAccounts())
		return nil
	}
	return u
}

type usersBody struct {
	Users []*backend.User `json:"users"`
	// Roles lists the roles of the accounts the caller may add, reset
	// and delete.
	Roles []backend.Role `json:"roles"`
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) {
	u := h.accountManager(w, r)
	if u == nil {
		return
	}
	us, err := h.cfg.Auth.Users(r.Context())
	h.reply(w, r, http.StatusOK, usersBody{Users: us, Roles: auth.ManageableRoles(u.Role)}, err)
}

type newUserBody struct {
	Name     string       `json:"name"`
	Role     backend.Role `json:"role"`
	Password string       `json:"password"`
}

// createUsers adds one user ({name, role, password?}, answered with
// {user, password}) or a class ({users: [...]}, answered with {users:
// [{user, password}, ...]}, all or none). A password left out is generated
// and is in the answer, once.
func (h *Handler) createUsers(w http.ResponseWriter, r *http.Request) {
	u := h.accountManager(w, r)
	if u == nil {
		return
	}
	var in struct {
		newUserBody
		Users []newUserBody `json:"users"`
	}
	if err := decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	list := in.Users
	if in.Users == nil {
		list = []newUserBody{in.newUserBody}
	} else if in.newUserBody != (newUserBody{}) {
		h.fail(w, r, backend.Errorf(backend.EINVALID, "send one user (name, role) or a list (users), not both"))
		return
	}
	// Unknown roles are the service's to refuse as invalid.
	for _, nu := range list {
		if nu.Role.Valid() {
			if err := auth.CheckManage(u, nu.Role); err != nil {
				h.fail(w, r, err)
				return
			}
		}
	}
	if in.Users == nil {
		pw, generated := in.Password, in.Password == ""
		if generated {
			pw = auth.GeneratePassword()
		}
		nu, err := h.cfg.Auth.CreateUser(r.Context(), in.Name, in.Role, pw)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		c := auth.Created{User: nu}
		if generated {
			c.Password = pw
		}
		writeJSON(w, http.StatusCreated, c)
		return
	}
	news := make([]auth.NewUser, len(list))
	for i, nu := range list {
		news[i] = auth.NewUser{Name: nu.Name, Role: nu.Role, Password: nu.Password}
	}
	made, err := h.cfg.Auth.CreateUsers(r.Context(), news)
	h.reply(w, r, http.StatusCreated, map[string][]auth.Created{"users": made}, err)
}

// target returns the user named in the path when the caller may manage
// their account and it is not the caller's own (what refuse says to do
// instead); else it writes the error and returns nil.
func (h *Handler) target(w http.ResponseWriter, r *http.Request, caller *backend.User, refuse string) *backend.User {
	t, err := h.cfg.Auth.User(r.Context(), r.PathValue("name"))
	if err == nil {
		err = auth.CheckManage(caller, t.Role)
	}
	if err == nil && t.ID == caller.ID {
		err = backend.Errorf(backend.EINVALID, "%s", refuse)
	}
	if err != nil {
		h.fail(w, r, err)
		return nil
	}
	return t
}

// resetPassword sets a user's password, generating one (in the answer,
// once) when the body is empty or has none. Their sessions end.
func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	u := h.accountManager(w, r)
	if u == nil {
		return
	}
	var in struct {
		Password string `json:"password"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	t := h.target(w, r, u, "change your own password with your current one (Change my password)")
	if t == nil {
		return
	}
	c := auth.Created{User: t}
	pw := in.Password
	if pw == "" {
		pw = auth.GeneratePassword()
		c.Password = pw
	}
	err := h.cfg.Auth.SetPassword(r.Context(), t.Name, pw)
	h.reply(w, r, http.StatusOK, c, err)
}

// deleteUser removes an account, never the caller's own nor the last admin.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	u := h.accountManager(w, r)
	if u == nil {
		return
	}
	t := h.target(w, r, u, "you cannot delete your own account: another admin can")
	if t == nil {
		return
	}
	if err := h.cfg.Auth.DeleteUser(r.Context(), t.Name); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// changeOwnPassword: any signed-in user, with their current password. Their
// other sessions end; this one goes on with a new cookie. Wrong current
// passwords count as failed sign-ins (a stolen session cannot guess on).
func (h *Handler) changeOwnPassword(w http.ResponseWriter, r *http.Request) {
	u, err := h.caller(r)
	if err == nil && h.cfg.Auth == nil {
		err = errNoAccounts()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	end, err := h.logins.begin(r, u.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	err = h.cfg.Auth.ChangePassword(r.Context(), u.Name, in.Current, in.New)
	f := backend.ErrorFields(err)
	end(len(f) == 1 && f[0].Field == "current")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, tok, err := h.cfg.Auth.Login(r.Context(), u.Name, in.New)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.startSession(w, r, u, tok)
}
