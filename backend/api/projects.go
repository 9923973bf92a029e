package api

import (
	"net/http"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return
	}
	ps, err := h.cfg.Projects.FindProjects(r.Context())
	h.reply(w, r, http.StatusOK, map[string]any{"projects": ps}, err)
}

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.CreateProject) == nil {
		return
	}
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	p := &backend.Project{Name: in.Name, Description: in.Description}
	if err := h.cfg.Projects.CreateProject(r.Context(), p); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (h *Handler) getProject(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return
	}
	id, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	p, err := h.cfg.Projects.FindProjectByID(r.Context(), id)
	h.reply(w, r, http.StatusOK, p, err)
}

func (h *Handler) updateProject(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.UpdateProject) == nil {
		return
	}
	id, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	var upd backend.ProjectUpdate
	if err := decode(w, r, &upd); err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.cfg.Projects.UpdateProject(r.Context(), id, upd)
	h.reply(w, r, http.StatusOK, p, err)
}

func (h *Handler) deleteProject(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.DeleteProject) == nil {
		return
	}
	id, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	if err := h.cfg.Projects.DeleteProject(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
