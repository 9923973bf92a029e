package api

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

func (h *Handler) modelRoutes() {
	h.mux.HandleFunc("GET /api/jobs/{job}/model", h.exportModel)
	h.mux.HandleFunc("POST /api/projects/{id}/models", h.importModel)
	h.mux.HandleFunc("GET /api/jobs/{job}/validation", h.validationTiles)
	h.mux.HandleFunc("GET /api/jobs/{job}/files/{kind}/{name}", h.jobFile)
}

func (h *Handler) exportModel(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	id := r.PathValue("job")
	h.sendZip(w, r, "tessera-model-"+id+".zip", func(f io.Writer) error {
		return h.cfg.Training.ExportModel(r.Context(), id, f)
	})
}

// sendZip builds a zip with build into a temporary file, then sends it as
// a download named name: a failure is an error response, not a truncated
// download, and the zip is not held in memory.
func (h *Handler) sendZip(w http.ResponseWriter, r *http.Request, name string, build func(io.Writer) error) {
	tmp, err := os.CreateTemp("", "tessera-*.zip")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := build(tmp); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	http.ServeContent(w, r, "", time.Time{}, tmp)
}

// importModel takes a model file as the raw request body. It makes a
// pipeline ("Imported models"), so it takes the right to create one.
func (h *Handler) importModel(w http.ResponseWriter, r *http.Request) {
	u := h.allow(w, r, auth.CreatePipeline)
	if u == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	tmp, err := os.CreateTemp("", "tessera-import-*.zip")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	const max = 2 << 30
	n, err := io.Copy(tmp, io.LimitReader(r.Body, max+1))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if n > max {
		h.fail(w, r, backend.Errorf(backend.ETOOLARGE, "a model file is at most %d bytes", int64(max)))
		return
	}
	j, err := h.cfg.Training.ImportModel(r.Context(), u.Name, pid, tmp, n)
	h.reply(w, r, http.StatusCreated, j, err)
}

func (h *Handler) validationTiles(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	ts, err := h.cfg.Training.ValidationTiles(r.Context(), r.PathValue("job"))
	h.reply(w, r, http.StatusOK, map[string]any{"tiles": ts}, err)
}

func (h *Handler) jobFile(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	p, err := h.cfg.Training.JobFile(r.Context(), r.PathValue("job"), r.PathValue("kind"), r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.serveFile(w, r, p, "image/png")
}
