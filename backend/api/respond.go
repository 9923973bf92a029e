package api

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/tessera-lab/tessera/backend"
)

// maxJSONBody bounds a request body read as JSON.
const maxJSONBody = 1 << 20

var statusOf = map[string]int{
	backend.ECONFLICT:     http.StatusConflict,
	backend.EINVALID:      http.StatusBadRequest,
	backend.ENOTFOUND:     http.StatusNotFound,
	backend.EUNAUTHORIZED: http.StatusUnauthorized,
	backend.EFORBIDDEN:    http.StatusForbidden,
	backend.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	backend.ETOOMANY:      http.StatusTooManyRequests,
	backend.EINTERNAL:     http.StatusInternalServerError,
}

type errorBody struct {
	Error struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Fields  []backend.FieldError `json:"fields,omitempty"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError maps err's code to a status; internal errors are logged with
// their detail and shown only as "internal error".
func writeError(w http.ResponseWriter, r *http.Request, err error, logf func(string, ...any)) {
	code := backend.ErrorCode(err)
	if code == backend.EINTERNAL {
		logf("api: %s %s: %v", r.Method, r.URL.Path, err)
	}
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Fields = code, backend.ErrorMessage(err), backend.ErrorFields(err)
	writeJSON(w, statusOf[code], b)
}

// decode reads a JSON body into v. It insists on application/json, which a
// cross-site HTML form cannot send, and bounds the body's size.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeLimit(w, r, v, maxJSONBody)
}

// maxLabelsBody bounds a tile's label file sent by the editor: brush
// strokes make many vertices.
const maxLabelsBody = 16 << 20

// decodeLimit is decode with its own size bound.
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return backend.Errorf(backend.EINVALID, "send the request body as application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return backend.Errorf(backend.ETOOLARGE, "request body is larger than %d bytes", limit)
		}
		return backend.Errorf(backend.EINVALID, "request body is not valid JSON: %v", err)
	}
	return nil
}

// pathID parses the {id} path value.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, backend.Errorf(backend.EINVALID, "%s id %q is not a positive number", what, r.PathValue("id"))
	}
	return id, nil
}

// id reads the {id} path value, or writes the error and returns false.
func (h *Handler) id(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	id, err := pathID(r, what)
	if err != nil {
		h.fail(w, r, err)
		return 0, false
	}
	return id, true
}

// reply writes v with status, or err when there is one.
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}
