package backend

import (
	"context"
	"sync"
)

// Inflight is work in progress by key (an image's tiling, a job's
// download) that something else may have to stop and wait for, such as a
// deletion. Its zero value is ready to use.
type Inflight[K comparable] struct {
	mu   sync.Mutex
	runs map[K]*inflightRun
}

type inflightRun struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// Start registers work for key: ok false when some already runs. The work
// runs under ctx (which Stop cancels) and calls done when it ends.
func (f *Inflight[K]) Start(ctx context.Context, key K) (_ context.Context, done func(), ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runs[key] != nil {
		return ctx, func() {}, false
	}
	if f.runs == nil {
		f.runs = map[K]*inflightRun{}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	run := &inflightRun{cancel: cancel, done: make(chan struct{})}
	f.runs[key] = run
	return ctx, func() {
		f.mu.Lock()
		delete(f.runs, key)
		f.mu.Unlock()
		cancel(nil)
		close(run.done)
	}, true
}

// Stop cancels key's work, if some runs, with cause, and waits for its end.
func (f *Inflight[K]) Stop(key K, cause error) {
	f.mu.Lock()
	run := f.runs[key]
	f.mu.Unlock()
	if run != nil {
		run.cancel(cause)
		<-run.done
	}
}
