package backend

import "time"

// Event is something the UIs should hear about at once: a project changed,
// later a tile was written or a job printed a log line.
type Event struct {
	Type      string    `json:"type"`
	ProjectID int64     `json:"project_id,omitempty"`
	Data      any       `json:"data,omitempty"`
	Time      time.Time `json:"time"`
}

// Event types.
const (
	EventProjectCreated = "project.created"
	EventProjectUpdated = "project.updated"
	EventProjectDeleted = "project.deleted"
)

// Emitter delivers events to whatever UIs are listening: the server's live
// stream, the desktop window. Emit must not block on a slow listener.
type Emitter interface {
	Emit(Event)
}

// Emitters fans one event out to several emitters.
type Emitters []Emitter

func (es Emitters) Emit(e Event) {
	for _, x := range es {
		x.Emit(e)
	}
}
