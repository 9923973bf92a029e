package evaluate

import (
	"sort"
	"sync"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

// Whole-image predictions take minutes on a large image: the app says which
// are waiting or running and how far each has got, live and on request, so
// a page opened meanwhile shows it.

// EventPredictionProgress is sent when a prediction is queued, starts, has
// done more tiles (at most about once a second), and when it ends (State
// "done" or "failed").
const EventPredictionProgress = "prediction.progress"

// Progress is one prediction asked for and not finished.
type Progress struct {
	JobID     string    `json:"job_id"`
	ImageID   int64     `json:"image_id"`
	ProjectID int64     `json:"project_id"`
	State     string    `json:"state"` // queued, running; in events also done, failed
	Done      int       `json:"done"`  // tiles predicted
	Total     int       `json:"total"` // tiles in all
	Since     time.Time `json:"since"` // asked for, or started running
}

type progressKey struct {
	job   string
	image int64
}

// progressBoard holds the predictions in progress.
type progressBoard struct {
	mu   sync.Mutex
	runs map[progressKey]*progressRun
}

type progressRun struct {
	p        Progress
	lastSent time.Time
	refs     int // requests for this job and image (two people may ask at once)
}

// start enters a request for key, queued, and tells em.
func (b *progressBoard) start(em backend.Emitter, key progressKey, projectID int64, tiles int) {
	b.mu.Lock()
	if b.runs == nil {
		b.runs = map[progressKey]*progressRun{}
	}
	r := b.runs[key]
	if r == nil {
		r = &progressRun{p: Progress{JobID: key.job, ImageID: key.image, ProjectID: projectID, State: "queued", Total: tiles, Since: time.Now().UTC()}}
		b.runs[key] = r
	}
	r.refs++
	b.mu.Unlock()
	b.update(em, key, func(*Progress) {})
}

// update changes key's entry with fn and tells em when the state changed
// or a second has passed since the last word.
func (b *progressBoard) update(em backend.Emitter, key progressKey, fn func(p *Progress)) {
	b.mu.Lock()
	r := b.runs[key]
	if r == nil {
		b.mu.Unlock()
		return
	}
	was := r.p.State
	fn(&r.p)
	now := time.Now()
	send := r.p.State != was || now.Sub(r.lastSent) >= time.Second || r.p.Done == r.p.Total || r.lastSent.IsZero()
	if send {
		r.lastSent = now
	}
	p := r.p
	b.mu.Unlock()
	if send && em != nil {
		em.Emit(backend.Event{Type: EventPredictionProgress, ProjectID: p.ProjectID, Data: p, Time: now.UTC()})
	}
}

// end closes a request for key; the entry goes, and em is told how it
// ended, with the last request.
func (b *progressBoard) end(em backend.Emitter, key progressKey, failed bool) {
	b.mu.Lock()
	r := b.runs[key]
	if r != nil {
		if r.refs--; r.refs > 0 {
			r = nil // another request for it goes on
		} else {
			delete(b.runs, key)
		}
	}
	b.mu.Unlock()
	if r == nil || em == nil {
		return
	}
	p := r.p
	p.State = "done"
	if failed {
		p.State = "failed"
	}
	em.Emit(backend.Event{Type: EventPredictionProgress, ProjectID: p.ProjectID, Data: p, Time: time.Now().UTC()})
}

// Running lists a project's predictions waiting or running, oldest first.
func (s *Service) Running(projectID int64) []Progress {
	b := &s.progress
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []Progress{}
	for _, r := range b.runs {
		if r.p.ProjectID == projectID {
			out = append(out, r.p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}
