package agent

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// heartbeat keeps the agent's WorkerInfo in the workers bucket.
type heartbeat struct {
	kv   jetstream.KeyValue
	logf func(string, ...any)

	mu   sync.Mutex
	info jobproto.WorkerInfo
	wake chan struct{}
}

func newHeartbeat(kv jetstream.KeyValue, info jobproto.WorkerInfo, logf func(string, ...any)) *heartbeat {
	return &heartbeat{kv: kv, info: info, logf: logf, wake: make(chan struct{}, 1)}
}

// put writes the current info now.
func (h *heartbeat) put(ctx context.Context) error {
	h.mu.Lock()
	h.info.LastSeen = time.Now().UTC()
	info := h.info
	info.CurrentJobs = append([]string{}, h.info.CurrentJobs...)
	h.mu.Unlock()
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, publishTry)
	defer cancel()
	_, err = h.kv.Put(ctx, info.Name, data)
	return err
}

// run puts the info every interval, and soon after a job starts or ends,
// until ctx ends.
func (h *heartbeat) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		}
		if err := h.put(ctx); err != nil && ctx.Err() == nil {
			h.logf("heartbeat: %v", err)
		}
	}
}

// jobStarted and jobEnded keep CurrentJobs and put the change.
func (h *heartbeat) jobStarted(id string) {
	h.mu.Lock()
	h.info.CurrentJobs = append(h.info.CurrentJobs, id)
	h.mu.Unlock()
	h.poke()
}

func (h *heartbeat) jobEnded(id string) {
	h.mu.Lock()
	if i := slices.Index(h.info.CurrentJobs, id); i >= 0 {
		h.info.CurrentJobs = slices.Delete(h.info.CurrentJobs, i, i+1)
	}
	h.mu.Unlock()
	h.poke()
}

func (h *heartbeat) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// remove deletes the agent's key: it stopped cleanly.
func (h *heartbeat) remove(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, publishTry)
	defer cancel()
	return h.kv.Delete(ctx, h.info.Name)
}
