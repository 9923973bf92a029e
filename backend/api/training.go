package api

import (
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/training"
)

func (h *Handler) trainingRoutes() {
	h.mux.HandleFunc("GET /api/workers", h.listWorkers)
	h.mux.HandleFunc("GET /api/projects/{id}/pipelines", h.listPipelines)
	h.mux.HandleFunc("GET /api/projects/{id}/jobs", h.listJobs)
	h.mux.HandleFunc("POST /api/projects/{id}/jobs", h.createJob)
	h.mux.HandleFunc("POST /api/projects/{id}/jobs/check", h.checkJob)
	h.mux.HandleFunc("GET /api/jobs/{job}", h.getJob)
	h.mux.HandleFunc("GET /api/jobs/{job}/logs", h.jobLogs)
	h.mux.HandleFunc("GET /api/jobs/{job}/train.log", h.downloadLog)
	h.mux.HandleFunc("POST /api/jobs/{job}/cancel", h.cancelJob)
	h.mux.HandleFunc("DELETE /api/jobs/{job}", h.deleteJob)
}

func (h *Handler) listWorkers(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	ws, err := h.cfg.Training.Workers(r.Context())
	h.reply(w, r, http.StatusOK, map[string]any{"workers": ws}, err)
}

func (h *Handler) listPipelines(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	ps, err := h.cfg.Training.DB.FindPipelines(r.Context(), pid)
	h.reply(w, r, http.StatusOK, map[string]any{"pipelines": ps}, err)
}

func (h *Handler) listJobs(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	js, err := h.cfg.Training.DB.FindJobs(r.Context(), pid)
	h.reply(w, r, http.StatusOK, map[string]any{"jobs": js}, err)
}

// jobRequest reads a job request; a new pipeline needs CreatePipeline, a
// job in an existing one ConfigureTrain (the spec's matrix).
func (h *Handler) jobRequest(w http.ResponseWriter, r *http.Request) (*backend.User, *training.JobRequest) {
	u := h.allow(w, r, auth.ConfigureTrain)
	if u == nil {
		return nil, nil
	}
	pid, err := pathID(r, "project")
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	var req training.JobRequest
	if err := decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	req.ProjectID = pid
	if req.PipelineID == "" {
		if err := auth.Check(u, auth.CreatePipeline); err != nil {
			h.fail(w, r, backend.Errorf(backend.EFORBIDDEN, "a %s may start jobs in an existing pipeline only: choose one", u.Role))
			return nil, nil
		}
	}
	return u, &req
}

func (h *Handler) checkJob(w http.ResponseWriter, r *http.Request) {
	_, req := h.jobRequest(w, r)
	if req == nil {
		return
	}
	t, cfg, err := h.cfg.Training.CheckJob(r.Context(), req)
	var split *dataset.SplitPreview
	if err == nil { // how the training set would split, said before it is built
		split, err = h.cfg.Training.Builder.Preview(r.Context(), req.ProjectID, req.SplitSeed(), req.ValFraction)
	}
	if err != nil { // t is nil then
		h.fail(w, r, err)
		return
	}
	h.reply(w, r, http.StatusOK, map[string]any{"trainer": t.Name, "config": cfg, "split": split}, nil)
}

func (h *Handler) createJob(w http.ResponseWriter, r *http.Request) {
	u, req := h.jobRequest(w, r)
	if req == nil {
		return
	}
	j, err := h.cfg.Training.CreateJob(r.Context(), u.Name, *req)
	h.reply(w, r, http.StatusCreated, j, err)
}

func (h *Handler) getJob(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	d, err := h.cfg.Training.Detail(r.Context(), r.PathValue("job"))
	h.reply(w, r, http.StatusOK, d, err)
}

// jobLogs pages through a job's log: lines after (after_attempt, after_seq).
func (h *Handler) jobLogs(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewTraining) == nil {
		return
	}
	q := r.URL.Query()
	attempt, _ := strconv.Atoi(q.Get("after_attempt"))
	seq, _ := strconv.ParseInt(q.Get("after_seq"), 10, 64)
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 || limit > 20000 {
		limit = 5000
	}
	id := r.PathValue("job")
	if _, err := h.cfg.Training.DB.FindJob(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	lines, err := h.cfg.Training.DB.JobLogs(r.Context(), id, attempt, seq, limit)
	h.reply(w, r, http.StatusOK, map[string]any{"lines": lines}, err)
}

func (h *Handler) downloadLog(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.DownloadLogs) == nil {
		return
	}
	j, err := h.cfg.Training.DB.FindJob(r.Context(), r.PathValue("job"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := os.Open(h.cfg.Training.LogPath(j))
	if err != nil {
		h.fail(w, r, backend.Errorf(backend.ENOTFOUND, "job %s has no log yet", j.ID))
		return
	}
	defer f.Close()
	fi, _ := f.Stat()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="train-%s.log"`, j.ID))
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (h *Handler) cancelJob(w http.ResponseWriter, r *http.Request) {
	u := h.allow(w, r, auth.ConfigureTrain)
	if u == nil {
		return
	}
	if err := h.cfg.Training.Cancel(r.Context(), u.Name, r.PathValue("job")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (h *Handler) deleteJob(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.DeleteJobs) == nil {
		return
	}
	if err := h.cfg.Training.Delete(r.Context(), r.PathValue("job")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
