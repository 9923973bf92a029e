// Package jobproto is the contract between Tessera's app and its training
// agents over NATS: job states, subjects, the job message, the events an
// agent publishes, the worker heartbeat, the config schema and its
// validation, and the parser of the spec's training-metrics block. It does
// no I/O besides parsing; gpuagent/CONTRACT.md describes the protocol.
package jobproto

// Job states, the spec's (plus CANCELLED). A job moves PENDING → STARTED →
// PROCESSING → COMPLETED | FAILED | CANCELLED. An agent that is stopped
// while it runs a job publishes PENDING again: the job went back to the queue.
const (
	StatusPending    = "PENDING"
	StatusStarted    = "STARTED"
	StatusProcessing = "PROCESSING"
	StatusCompleted  = "COMPLETED"
	StatusFailed     = "FAILED"
	StatusCancelled  = "CANCELLED"
)

// Terminal reports whether status is a final state: nothing follows it.
func Terminal(status string) bool {
	switch status {
	case StatusCompleted, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// ValidStatus reports whether status is one of the job states.
func ValidStatus(status string) bool {
	switch status {
	case StatusPending, StatusStarted, StatusProcessing:
		return true
	}
	return Terminal(status)
}
