package api

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tessera-lab/tessera/backend"
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
	h.mux.HandleFunc("POST /api/tiles/{id}/open", h.keepTileOpen)
	h.mux.HandleFunc("GET /api/projects/{id}/next-tile", h.nextTile)
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

// export sends a zip of the project's labels in the asked format;
// complete=1 leaves out the tiles not marked complete.
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
	q := r.URL.Query()
	opts := annotate.ExportOptions{Format: q.Get("format"), Per: q.Get("per")}
	if opts.Per == "" {
		opts.Per = annotate.PerTile
	}
	switch q.Get("complete") {
	case "", "0", "false":
	case "1", "true":
		opts.CompleteOnly = true
	default:
		h.fail(w, r, backend.Errorf(backend.EINVALID, "complete must be 1 or 0, not %q", q.Get("complete")))
		return
	}
	// One export at a time: per image, masks of whole slides are big.
	h.exporting.Lock()
	defer h.exporting.Unlock()
	h.sendZip(w, r, fmt.Sprintf("project-%d-%s-%s.zip", p.ID, opts.Format, opts.Per), func(f io.Writer) error {
		zw := zip.NewWriter(f)
		if _, err := h.cfg.Labels.ExportWith(r.Context(), pid, opts, annotate.ZipSink{W: zw, Modified: time.Now()}); err != nil {
			return err
		}
		return zw.Close()
	})
}

// getLabels answers a tile's labels; the caller counts as having the tile
// open for a while (annotate.OpenFor), and open_by names the others who do.
func (h *Handler) getLabels(w http.ResponseWriter, r *http.Request) {
	u := h.allow(w, r, auth.ViewProjects)
	if u == nil {
		return
	}
	id, ok := h.id(w, r, "tile")
	if !ok {
		return
	}
	tl, err := h.cfg.Labels.OpenTileLabels(r.Context(), u.Name, id)
	h.reply(w, r, http.StatusOK, tl, err)
}

// keepTileOpen is the editor's heartbeat: the tile stays open by the caller.
func (h *Handler) keepTileOpen(w http.ResponseWriter, r *http.Request) {
	u := h.allow(w, r, auth.ViewProjects)
	if u == nil {
		return
	}
	id, ok := h.id(w, r, "tile")
	if !ok {
		return
	}
	others, err := h.cfg.Labels.KeepOpen(r.Context(), u.Name, id)
	h.reply(w, r, http.StatusOK, map[string][]string{"open_by": others}, err)
}

// nextTile is the tile "Continue annotating" opens (?image=ID for one
// image): the first incomplete one nobody else has open.
func (h *Handler) nextTile(w http.ResponseWriter, r *http.Request) {
	u := h.allow(w, r, auth.ViewProjects)
	if u == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	var imageID int64
	if v := r.URL.Query().Get("image"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			h.fail(w, r, backend.Errorf(backend.EINVALID, "image must be an image id, not %q", v))
			return
		}
		imageID = n
	}
	t, err := h.cfg.Labels.NextTile(r.Context(), u.Name, pid, imageID)
	h.reply(w, r, http.StatusOK, map[string]*backend.Tile{"tile": t}, err)
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
