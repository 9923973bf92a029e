package images

import (
	"context"
	"strconv"

	"github.com/tessera-lab/tessera/backend"
)

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// enqueue asks the background tiler to tile image id.
func (s *Service) enqueue(id int64) {
	s.mu.Lock()
	if !s.queued[id] {
		s.queued[id] = true
		s.queue = append(s.queue, id)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) next() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return 0, false
	}
	id := s.queue[0]
	s.queue = s.queue[1:]
	delete(s.queued, id)
	return id, true
}

// Run tiles queued images one at a time (each tiling uses every core, and
// one decoded gigapixel image is memory enough) until ctx ends. It first
// re-queues what a closed app left queued; an image still "tiling" is one
// the app died tiling (a clean stop queues it again), and fails, rather
// than taking the app down at every start (RetryImage tries it again).
func (s *Service) Run(ctx context.Context) {
	s.running.Add(1)
	defer s.running.Done()
	s.run(ctx)
}

// Go is Run in the background; Wait waits for it even if it has not
// started running yet.
func (s *Service) Go(ctx context.Context) {
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.run(ctx)
	}()
}

func (s *Service) run(ctx context.Context) {
	left, err := s.Store.FindImagesInState(ctx, backend.ImageQueued, backend.ImageTiling)
	if err != nil {
		s.Logf("images: find unfinished imports: %v", err)
	}
	for _, m := range left {
		if m.State == backend.ImageTiling {
			if err := s.setState(ctx, m, backend.ImageFailed, crashedWhileTiling); err != nil {
				s.Logf("images: %s: %v", m.Name, err)
			}
			continue
		}
		s.enqueue(m.ID)
	}
	for {
		for {
			id, ok := s.next()
			if !ok {
				break
			}
			if err := s.TileImage(ctx, id, nil); err != nil && ctx.Err() == nil {
				s.Logf("images: tile image %d: %v", id, err)
			}
			if ctx.Err() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
	}
}

// Wait blocks until Run has returned.
func (s *Service) Wait() { s.running.Wait() }

// Pending returns how many images wait for the tiler.
func (s *Service) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}
