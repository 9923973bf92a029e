package training

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// Worker states, as the app lists them.
const (
	WorkerOnline  = "online"
	WorkerBusy    = "busy"
	WorkerOffline = "offline"
)

// Worker is an agent as the UI shows it.
type Worker struct {
	jobproto.WorkerInfo
	State string `json:"state"`
}

// Workers lists every agent ever seen: online or busy while its heartbeat
// is in the workers bucket, offline once it aged out.
func (s *Service) Workers(ctx context.Context) ([]Worker, error) {
	live := map[string]jobproto.WorkerInfo{}
	kv, err := s.JS.KeyValue(ctx, broker.BucketWorkers)
	if err != nil {
		return nil, err
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue // aged out meanwhile
		}
		var wi jobproto.WorkerInfo
		if json.Unmarshal(e.Value(), &wi) == nil && !s.hidden(wi.Name) {
			live[wi.Name] = wi
		}
	}
	known, seen, err := s.DB.KnownWorkers(ctx)
	if err != nil {
		return nil, err
	}
	out := []Worker{}
	for name, wi := range live {
		st := WorkerOnline
		if len(wi.CurrentJobs) > 0 {
			st = WorkerBusy
		}
		out = append(out, Worker{WorkerInfo: wi, State: st})
		delete(known, name)
	}
	for name, raw := range known {
		if s.hidden(name) {
			continue
		}
		var wi jobproto.WorkerInfo
		if json.Unmarshal([]byte(raw), &wi) != nil {
			continue
		}
		wi.CurrentJobs, wi.LastSeen = []string{}, seen[name]
		out = append(out, Worker{WorkerInfo: wi, State: WorkerOffline})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// WatchWorkers remembers every heartbeat in the database (so an agent that
// goes away is still listed, as offline) and tells the UIs, until ctx ends.
func (s *Service) WatchWorkers(ctx context.Context) error {
	kv, err := s.JS.KeyValue(ctx, broker.BucketWorkers)
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil {
				continue // the end of the initial values
			}
			if e.Operation() == jetstream.KeyValuePut {
				var wi jobproto.WorkerInfo
				if json.Unmarshal(e.Value(), &wi) == nil {
					if err := s.DB.UpsertWorker(ctx, wi.Name, string(e.Value()), time.Now()); err != nil && !errors.Is(err, context.Canceled) {
						s.Logf("training: remember worker %s: %v", wi.Name, err)
					}
				}
			}
			s.emit(backend.EventWorker, 0, map[string]string{"name": e.Key(), "op": e.Operation().String()})
		}
	}
}

// findTrainer returns the schema of a trainer offered at a target: a
// named worker, or any worker of a pool.
func (s *Service) findTrainer(ctx context.Context, worker, pool, trainer string) (*jobproto.TrainerInfo, string, error) {
	ws, err := s.Workers(ctx)
	if err != nil {
		return nil, "", err
	}
	var candidates []Worker
	for _, w := range ws {
		if (worker != "" && w.Name == worker) || (worker == "" && w.Pool == pool) {
			candidates = append(candidates, w)
		}
	}
	if len(candidates) == 0 {
		if worker != "" {
			return nil, "", backend.Errorf(backend.EINVALID, "no worker named %q has connected", worker)
		}
		return nil, "", backend.Errorf(backend.EINVALID, "no worker of pool %q has connected", pool)
	}
	for _, w := range candidates {
		for i := range w.Trainers {
			t := &w.Trainers[i]
			if trainer == "" || t.Name == trainer {
				return t, w.Name, nil
			}
		}
	}
	return nil, "", backend.Errorf(backend.EINVALID, "worker %s offers no trainer %q", candidates[0].Name, trainer)
}

func (s *Service) hidden(worker string) bool {
	return s.HideWorker != nil && s.HideWorker(worker)
}
