package backend

import (
	"encoding/json"
	"time"
)

// Pipeline is the spec's ML workflow configuration: a named series of
// training jobs of one project on one worker (or pool).
type Pipeline struct {
	ID        string    `json:"id"` // UUID
	Name      string    `json:"name"`
	ProjectID int64     `json:"project_id"`
	Worker    string    `json:"worker"` // "worker:<name>" or "pool:<pool>"
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Job is the spec's TrainingJob.
type Job struct {
	ID         string          `json:"id"` // UUID
	PipelineID string          `json:"pipeline_id"`
	ProjectID  int64           `json:"project_id"`
	Status     string          `json:"status"`
	Progress   float64         `json:"progress"`
	Trainer    string          `json:"trainer"`
	Target     string          `json:"target"` // "worker:<name>" or "pool:<pool>"
	Config     json.RawMessage `json:"config"`
	Worker     string          `json:"worker"` // the agent that ran it
	Attempt    int             `json:"attempt"`
	Error      string          `json:"error"`
	ExitCode   *int            `json:"exit_code"`
	// Diagnostics are the trainer's last lines when it failed.
	Diagnostics []string   `json:"diagnostics"`
	Epoch       int        `json:"epoch"`
	Epochs      int        `json:"epochs"`
	BestValIoU  *float64   `json:"best_val_iou"`
	LastValIoU  *float64   `json:"last_val_iou"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
}

// JobTransition is one stored change of a job's status, with its reason.
type JobTransition struct {
	Status  string    `json:"status"`
	Reason  string    `json:"reason"`
	Attempt int       `json:"attempt"`
	Worker  string    `json:"worker"`
	Time    time.Time `json:"time"`
}

// JobLogLine is one stored line of a job's log.
type JobLogLine struct {
	Attempt int       `json:"attempt"`
	Seq     int64     `json:"seq"`
	Stream  string    `json:"stream"`
	Text    string    `json:"text"`
	Time    time.Time `json:"time"`
}

// JobMetric is one epoch's metrics (the spec's block, plus per-class IoU).
type JobMetric struct {
	Attempt   int                `json:"attempt"`
	Epoch     int                `json:"epoch"`
	Total     int                `json:"total"`
	TrainLoss *float64           `json:"train_loss"`
	TrainIoU  *float64           `json:"train_iou"`
	ValLoss   *float64           `json:"val_loss"`
	ValIoU    *float64           `json:"val_iou"`
	ClassIoU  map[string]float64 `json:"class_iou"`
	Time      time.Time          `json:"time"`
}

// Job event types, on the live stream.
const (
	EventJobUpdated = "job.updated" // data: Job
	EventJobLog     = "job.log"     // data: {job_id, lines: []JobLogLine}
	EventJobMetric  = "job.metric"  // data: {job_id, metric: JobMetric}
	EventWorker     = "worker.updated"
)
