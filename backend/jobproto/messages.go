package jobproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DefaultMaxAttempts is how many times a job is started when its message
// does not say: an agent lost mid-job counts as one attempt.
const DefaultMaxAttempts = 3

// JobMessage is the body of a job in JOBS, published by the app on
// PoolSubject or WorkerSubject with Nats-Msg-Id = JobID.
type JobMessage struct {
	JobID     string         `json:"job_id"`
	ProjectID string         `json:"project_id"`
	Trainer   string         `json:"trainer"`
	Config    map[string]any `json:"config"`
	// TrainingSet is the object name in the trainingsets bucket: a
	// .tar.gz of the trainingjob folder (see CONTRACT.md).
	TrainingSet string    `json:"training_set"`
	MaxAttempts int       `json:"max_attempts,omitempty"` // 0: DefaultMaxAttempts
	CreatedAt   time.Time `json:"created_at"`
}

// Attempts is MaxAttempts, or DefaultMaxAttempts when unset.
func (m JobMessage) Attempts() int {
	if m.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return m.MaxAttempts
}

// Check reports what is missing or malformed in a job message.
func (m JobMessage) Check() error {
	var errs []error
	if err := CheckToken("job id", m.JobID); err != nil {
		errs = append(errs, err)
	}
	if m.Trainer == "" {
		errs = append(errs, errors.New("no trainer"))
	}
	if m.TrainingSet == "" {
		errs = append(errs, errors.New("no training set"))
	}
	return errors.Join(errs...)
}

// ParseJobMessage decodes and checks a job message.
func ParseJobMessage(data []byte) (JobMessage, error) {
	var m JobMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("job message: %w", err)
	}
	if err := m.Check(); err != nil {
		return m, fmt.Errorf("job message: %w", err)
	}
	return m, nil
}

// StatusEvent is published on EventSubject(id, KindStatus) at every state
// change, and as PROCESSING with a new Progress while the trainer runs.
type StatusEvent struct {
	JobID    string  `json:"job_id"`
	Attempt  int     `json:"attempt"`
	Seq      int64   `json:"seq"`
	Status   string  `json:"status"`
	Reason   string  `json:"reason,omitempty"`
	ExitCode *int    `json:"exit_code,omitempty"`
	Progress float64 `json:"progress"` // 0..1
	Worker   string  `json:"worker"`
	// Diagnostics are the trainer's last output lines, on failure.
	Diagnostics []string `json:"diagnostics,omitempty"`
	// Errors are the config fields that failed validation, on FAILED.
	Errors []FieldError `json:"errors,omitempty"`
	Time   time.Time    `json:"time"`
}

// Log line streams.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
	StreamAgent  = "agent" // lines the agent writes about the job
)

// LogLine is one line of a job's output, without its line ending.
type LogLine struct {
	Stream string    `json:"stream"`
	Text   string    `json:"text"`
	Time   time.Time `json:"time"`
}

// LogEvent is a batch of log lines on EventSubject(id, KindLog). Seq is the
// sequence number of the first line; lines are numbered contiguously from
// 1 per (job, attempt).
type LogEvent struct {
	JobID   string    `json:"job_id"`
	Attempt int       `json:"attempt"`
	Seq     int64     `json:"seq"`
	Lines   []LogLine `json:"lines"`
	Worker  string    `json:"worker"`
}

// MetricEvent is one epoch's metrics on EventSubject(id, KindMetric). The
// same epoch may come again with more values (per-class IoU): upsert by
// (job, attempt, epoch). A nil value was missing or not a finite number;
// Notes say which.
type MetricEvent struct {
	JobID     string             `json:"job_id"`
	Attempt   int                `json:"attempt"`
	Seq       int64              `json:"seq"`
	Epoch     int                `json:"epoch"`
	Total     int                `json:"total"`
	TrainLoss *float64           `json:"train_loss"`
	TrainIoU  *float64           `json:"train_iou"`
	ValLoss   *float64           `json:"val_loss"`
	ValIoU    *float64           `json:"val_iou"`
	ClassIoU  map[string]float64 `json:"class_iou,omitempty"`
	Notes     []string           `json:"notes,omitempty"`
	Time      time.Time          `json:"time"`
}
