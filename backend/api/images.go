package api

import (
	"encoding/json"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/tiling"
)

func (h *Handler) imageRoutes() {
	h.mux.HandleFunc("GET /api/projects/{id}/images", h.listImages)
	h.mux.HandleFunc("POST /api/projects/{id}/images", h.uploadImage)
	h.mux.HandleFunc("POST /api/projects/{id}/images/import-paths", h.importPaths)
	h.mux.HandleFunc("GET /api/images/{id}", h.getImage)
	h.mux.HandleFunc("DELETE /api/images/{id}", h.deleteImage)
	h.mux.HandleFunc("POST /api/images/{id}/retry", h.retryImage)
	h.mux.HandleFunc("GET /api/images/{id}/tiles", h.listTiles)
	h.mux.HandleFunc("GET /api/images/{id}/thumbnail", h.thumbnail)
	h.mux.HandleFunc("GET /api/images/{id}/pyramid/{level}/{file}", h.pyramidTile)
	h.mux.HandleFunc("GET /api/tiles/{id}", h.getTile)
	h.mux.HandleFunc("GET /api/tiles/{id}/image", h.tileImage)
}

// page reads offset and limit (default and cap max).
func page(r *http.Request, max int) (int, int, error) {
	off, lim := 0, max
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, backend.Errorf(backend.EINVALID, "offset %q is not a number of 0 or more", v)
		}
		off = n
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return 0, 0, backend.Errorf(backend.EINVALID, "limit %q must be between 1 and %d", v, max)
		}
		lim = n
	}
	return off, lim, nil
}

func (h *Handler) listImages(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	off, lim, err := page(r, 500)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ms, total, err := h.cfg.Images.Images(r.Context(), pid, off, lim)
	h.reply(w, r, http.StatusOK, map[string]any{"images": ms, "total": total}, err)
}

// uploadImage takes one file as the raw request body (browsers; the desktop
// window imports by path instead, as WebKitGTK cannot send file bodies).
func (h *Handler) uploadImage(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ImportImages) == nil {
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		h.fail(w, r, backend.Errorf(backend.EINVALID, "say the file's name: ?name=…"))
		return
	}
	if max := h.cfg.Images.Limits.MaxBytes; r.ContentLength > max {
		h.fail(w, r, backend.Errorf(backend.ETOOLARGE, "%s is %d bytes, over the limit of %d bytes", name, r.ContentLength, max))
		return
	}
	res, err := h.cfg.Images.ImportUpload(r.Context(), pid, name, r.Body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if len(res.Failed) > 0 {
		// The one file failed: answer with its reason, as an error.
		h.fail(w, r, backend.Errorf(backend.EINVALID, "%s", res.Failed[0].Error))
		return
	}
	writeJSON(w, status, map[string]any{"result": res})
}

// importPaths imports files by their paths on this computer. Only the
// desktop app's own user may: a server must not read its disk for a browser.
func (h *Handler) importPaths(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ImportImages) == nil {
		return
	}
	if h.cfg.LocalUser == nil {
		h.fail(w, r, backend.Errorf(backend.EFORBIDDEN, "importing by path works in the desktop app only: upload the files instead"))
		return
	}
	pid, ok := h.id(w, r, "project")
	if !ok {
		return
	}
	var in struct {
		Paths []string `json:"paths"`
	}
	if err := decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if len(in.Paths) == 0 {
		h.fail(w, r, backend.Errorf(backend.EINVALID, "no paths to import"))
		return
	}
	res, err := h.cfg.Images.ImportPaths(r.Context(), pid, in.Paths, true)
	h.reply(w, r, http.StatusAccepted, map[string]any{"result": res}, err)
}

func (h *Handler) findImage(w http.ResponseWriter, r *http.Request) *backend.Image {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return nil
	}
	id, err := pathID(r, "image")
	if err == nil {
		var m *backend.Image
		if m, err = h.cfg.Images.Store.FindImageByID(r.Context(), id); err == nil {
			return m
		}
	}
	h.fail(w, r, err)
	return nil
}

func (h *Handler) getImage(w http.ResponseWriter, r *http.Request) {
	if m := h.findImage(w, r); m != nil {
		writeJSON(w, http.StatusOK, m)
	}
}

func (h *Handler) deleteImage(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.DeleteImages) == nil {
		return
	}
	id, err := pathID(r, "image")
	if err == nil {
		err = h.cfg.Images.DeleteImage(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// retryImage queues a failed image for tiling again.
func (h *Handler) retryImage(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ImportImages) == nil {
		return
	}
	id, err := pathID(r, "image")
	var m *backend.Image
	if err == nil {
		m, err = h.cfg.Images.RetryImage(r.Context(), id)
	}
	h.reply(w, r, http.StatusOK, m, err)
}

func (h *Handler) listTiles(w http.ResponseWriter, r *http.Request) {
	m := h.findImage(w, r)
	if m == nil {
		return
	}
	off, lim, err := page(r, 5000)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ts, total, err := h.cfg.Images.Store.FindTiles(r.Context(), m.ID, off, lim)
	h.reply(w, r, http.StatusOK, map[string]any{"tiles": ts, "total": total}, err)
}

func (h *Handler) thumbnail(w http.ResponseWriter, r *http.Request) {
	if m := h.findImage(w, r); m != nil {
		h.serveFile(w, r, h.cfg.Images.ThumbnailPath(m), "image/jpeg")
	}
}

var pyramidFile = regexp.MustCompile(`^[0-9]{1,6}_[0-9]{1,6}\.jpg$`)

func (h *Handler) pyramidTile(w http.ResponseWriter, r *http.Request) {
	m := h.findImage(w, r)
	if m == nil {
		return
	}
	level, err := strconv.Atoi(r.PathValue("level"))
	file := r.PathValue("file")
	if err != nil || level < 0 || level > 64 || !pyramidFile.MatchString(file) {
		h.fail(w, r, backend.Errorf(backend.EINVALID, "no pyramid tile %s/%s", r.PathValue("level"), file))
		return
	}
	h.serveFile(w, r, filepath.Join(h.cfg.Images.PyramidDir(m), strconv.Itoa(level), file), "image/jpeg")
}

func (h *Handler) findTile(w http.ResponseWriter, r *http.Request) (*backend.Tile, *backend.Image) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return nil, nil
	}
	id, err := pathID(r, "tile")
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	t, err := h.cfg.Images.Store.FindTileByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	m, err := h.cfg.Images.Store.FindImageByID(r.Context(), t.ImageID)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	return t, m
}

func (h *Handler) getTile(w http.ResponseWriter, r *http.Request) {
	if t, _ := h.findTile(w, r); t != nil {
		writeJSON(w, http.StatusOK, t)
	}
}

// tileImage serves a tile for display: the PNG itself, or for a 16-bit
// image the tile scaled by the image's stored stretch.
func (h *Handler) tileImage(w http.ResponseWriter, r *http.Request) {
	t, m := h.findTile(w, r)
	if t == nil {
		return
	}
	path := h.cfg.Images.TilePath(m.ProjectID, t)
	if m.BitDepth <= 8 || m.Stretch == "" {
		h.serveFile(w, r, path, "image/png")
		return
	}
	var st tiling.Stretch
	if err := json.Unmarshal([]byte(m.Stretch), &st); err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		h.fail(w, r, backend.Errorf(backend.ENOTFOUND, "tile file %s is missing", t.Name))
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=60")
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	_ = enc.Encode(w, tiling.Display8(img, &st))
}

// serveFile serves a file the project owns, with Last-Modified and ranges.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, path, ctype string) {
	f, err := os.Open(path)
	if err != nil {
		h.fail(w, r, backend.Errorf(backend.ENOTFOUND, "%s is not there (yet)", filepath.Base(path)))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		h.fail(w, r, backend.Errorf(backend.ENOTFOUND, "%s is not a file", filepath.Base(path)))
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=60")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
