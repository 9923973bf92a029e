package api

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/labels"
)

func (h *Handler) labelRoutes() {
	h.mux.HandleFunc("GET /api/projects/{id}/schema", h.getSchema)
	h.mux.HandleFunc("PUT /api/projects/{id}/schema", h.putSchema)
	h.mux.HandleFunc("GET /api/projects/{id}/progress", h.progress)
	h.mux.HandleFunc("GET /api/projects/{id}/export", h.export)
	h.mux.HandleFunc("GET /api/tiles/{id}/labels", h.getLabels)
	h.mux.HandleFunc("PUT /api/tiles/{id}/labels", h.putLabels)
}

func (h *Handler) getSchema(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	if _, err := h.cfg.Projects.FindProjectByID(r.Context(), pid); err != nil {
		h.fail(w, r, err)
		return
	}
	sch, err := h.cfg.Labels.Schema(r.Context(), pid)
	h.reply(w, r, http.StatusOK, sch, err)
}

func (h *Handler) putSchema(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.EditSchema) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	var raw json.RawMessage
	if err := decode(w, r, &raw); err != nil {
		h.fail(w, r, err)
		return
	}
	sch, err := labels.ParseSchema(bytes.NewReader(raw))
	if err == nil {
		err = h.cfg.Labels.SetSchema(r.Context(), pid, sch)
	}
	h.reply(w, r, http.StatusOK, sch, err)
}

func (h *Handler) progress(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	p, err := h.cfg.Labels.Progress(r.Context(), pid)
	h.reply(w, r, http.StatusOK, p, err)
}

// export sends a zip of the project's labels in the asked format.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ExportLabels) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	p, err := h.cfg.Projects.FindProjectByID(r.Context(), pid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	format, per := r.URL.Query().Get("format"), r.URL.Query().Get("per")
	if per == "" {
		per = annotate.PerTile
	}
	// One export at a time: per image, masks of whole slides are big.
	h.exporting.Lock()
	defer h.exporting.Unlock()
	h.sendZip(w, r, fmt.Sprintf("project-%d-%s-%s.zip", p.ID, format, per), func(f io.Writer) error {
		zw := zip.NewWriter(f)
		if _, err := h.cfg.Labels.Export(r.Context(), pid, format, per, annotate.ZipSink{W: zw}); err != nil {
			return err
		}
		return zw.Close()
	})
}

func (h *Handler) getLabels(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return
	}
	id, ok := h.id(w, r, "tile")
	if !ok {
		return
	}
	tl, err := h.cfg.Labels.TileLabels(r.Context(), id)
	h.reply(w, r, http.StatusOK, tl, err)
}

func (h *Handler) putLabels(w http.ResponseWriter, r *http.Request) {
	u := h.allow(w, r, auth.Annotate)
	if u == nil {
		return
	}
	id, ok := h.id(w, r, "tile")
	if !ok {
		return
	}
	var in struct {
		Labels       json.RawMessage `json:"labels"`
		BaseRevision int64           `json:"base_revision"`
		EditSeconds  float64         `json:"edit_seconds"`
	}
	if err := decodeLimit(w, r, &in, maxLabelsBody); err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := labels.ParseFile(bytes.NewReader(in.Labels), "labels")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.cfg.Labels.SaveTileLabels(r.Context(), u.Name, id, f, in.BaseRevision, in.EditSeconds)
	h.reply(w, r, http.StatusOK, res, err)
}
