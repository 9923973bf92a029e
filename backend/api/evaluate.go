package api

import (
	"context"
	"net/http"
	"path/filepath"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

func (h *Handler) evaluateRoutes() {
	h.mux.HandleFunc("POST /api/jobs/{job}/predict", h.predict)
	h.mux.HandleFunc("GET /api/images/{id}/predictions", h.listPredictions)
	h.mux.HandleFunc("GET /api/images/{id}/predictions/{job}/{file}", h.predictionFile)
	h.mux.HandleFunc("GET /api/projects/{id}/predictions/running", h.runningPredictions)
}

// runningPredictions lists the project's whole-image predictions waiting
// or running, with how many tiles each has done.
func (h *Handler) runningPredictions(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	h.reply(w, r, http.StatusOK, map[string]any{"predictions": h.cfg.Evaluate.Running(pid)}, nil)
}

func (h *Handler) predict(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	var in struct {
		ImageID int64 `json:"image_id"`
	}
	if err := decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	// A prediction outlives the request that asked for it: a page reloaded
	// or closed after minutes of work must not throw that work away (the
	// pages follow it through prediction.progress).
	p, err := h.cfg.Evaluate.PredictImage(context.WithoutCancel(r.Context()), r.PathValue("job"), in.ImageID)
	h.reply(w, r, http.StatusOK, p, err)
}

func (h *Handler) listPredictions(w http.ResponseWriter, r *http.Request) {
	m := h.findImage(w, r)
	if m == nil {
		return
	}
	ps, err := h.cfg.Evaluate.Predictions(r.Context(), m.ID)
	h.reply(w, r, http.StatusOK, map[string]any{"predictions": ps}, err)
}

func (h *Handler) predictionFile(w http.ResponseWriter, r *http.Request) {
	m := h.findImage(w, r)
	if m == nil {
		return
	}
	file := r.PathValue("file")
	if file != "overlay.png" && file != "mask.png" {
		h.fail(w, r, backend.Errorf(backend.ENOTFOUND, "no prediction file %s", file))
		return
	}
	dir, err := backend.SafeJoin(filepath.Dir(h.cfg.Evaluate.Dir(m, "x")), r.PathValue("job"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.serveFile(w, r, filepath.Join(dir, file), "image/png")
}
