package api

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

// subscriberBuffer is how many events a slow listener may fall behind before
// it is cut off; its EventSource reconnects and the UI reloads what it shows.
const subscriberBuffer = 1024

// Hub fans events out to every open live stream. It implements
// backend.Emitter; Emit never blocks.
type Hub struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[chan []byte]struct{}{}} }

// Emit sends e to every subscriber that has room and drops the ones that
// have fallen a whole buffer behind.
func (h *Hub) Emit(e backend.Event) {
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- b:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *Hub) subscribe() chan []byte {
	ch := make(chan []byte, subscriberBuffer)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch
}

func (h *Hub) unsubscribe(ch chan []byte) {
	h.mu.Lock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
	h.mu.Unlock()
}

// Subscribers returns how many live streams are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// keepAlive is how often an idle stream gets a comment line, which also
// finds closed streams where the request context is never cancelled (the
// Wails asset server).
var keepAlive = 15 * time.Second

// sessionRecheck is how often a stream checks that its session still holds.
const sessionRecheck = time.Second

// events is the Server-Sent Events stream: `data: <event JSON>` per event.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	if h.allow(w, r, auth.ViewProjects) == nil {
		return
	}
	flusher, _ := w.(http.Flusher) // the Wails asset server's writer is not one
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	ch := h.cfg.Hub.subscribe()
	defer h.cfg.Hub.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n: connected\n\n")); err != nil {
		return
	}
	flush()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	checked := time.Now()
	for {
		var msg []byte
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			msg = []byte(": keep-alive\n\n")
		case b, ok := <-ch:
			if !ok {
				return // fell behind: the client reconnects
			}
			msg = append(append([]byte("data: "), b...), '\n', '\n')
		}
		// The session may have ended since (signed out, password reset,
		// expired): looked at again at most once a second.
		if time.Since(checked) >= sessionRecheck {
			if _, err := h.caller(r); err != nil {
				return
			}
			checked = time.Now()
		}
		if _, err := w.Write(msg); err != nil {
			return
		}
		flush()
	}
}
