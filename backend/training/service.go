// Package training runs the spec's Training System on the app's side:
// pipelines and jobs, the training set handed to an agent over JetStream,
// cancellation, and the ingest of every status, log line and metric the
// agents publish.
package training

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
)

// Service is the app's side of training.
type Service struct {
	DB      *store.DB
	NC      *nats.Conn
	JS      jetstream.JetStream
	Builder *dataset.Builder
	Layout  backend.Layout
	Emitter backend.Emitter // may be nil
	Logf    func(format string, args ...any)
	// CancelTimeout bounds the wait for an agent to confirm a cancel.
	CancelTimeout time.Duration
	// MaxAttempts is how often a job is started before it fails for good.
	MaxAttempts int
	// RunnableModelFormat is the models/model.json format this app can
	// predict whole images with (the built-in CPU trainer's).
	RunnableModelFormat string
	// StopPredictions, when set, stops and waits for a whole-image
	// prediction by a job being deleted, so none is written after.
	StopPredictions func(jobID string)
	// Consumer is the ingest's durable consumer on EVENTS: IngestConsumer,
	// or one of this app's own on a broker that other apps share.
	Consumer string
	// HideWorker, when set, leaves workers out of the list and the
	// choice of targets: on a shared broker, other apps' local workers.
	HideWorker func(name string) bool

	started time.Time                // when this service began: older unqueued jobs were left by a stopped app
	fetches backend.Inflight[string] // artifact downloads in progress, by job
}

// New returns a service over the app's database and broker connection.
func New(db *store.DB, nc *nats.Conn, js jetstream.JetStream, b *dataset.Builder, layout backend.Layout, em backend.Emitter) *Service {
	return &Service{DB: db, NC: nc, JS: js, Builder: b, Layout: layout, Emitter: em,
		Logf: func(string, ...any) {}, Consumer: IngestConsumer, CancelTimeout: 5 * time.Second, MaxAttempts: jobproto.DefaultMaxAttempts, started: time.Now()}
}

func (s *Service) emit(typ string, projectID int64, data any) {
	if s.Emitter != nil {
		s.Emitter.Emit(backend.Event{Type: typ, ProjectID: projectID, Data: data, Time: time.Now().UTC()})
	}
}

// JobDir is the job's trainingjob-{id}/ folder.
func (s *Service) JobDir(j *backend.Job) string {
	return s.Builder.JobDir(j.ProjectID, j.PipelineID, j.ID)
}

// JobDetail is a job with its history and metrics.
type JobDetail struct {
	Job         *backend.Job            `json:"job"`
	Transitions []backend.JobTransition `json:"transitions"`
	Metrics     []backend.JobMetric     `json:"metrics"`
	LogLines    int                     `json:"log_lines"`
	Evaluation  json.RawMessage         `json:"evaluation"` // the trainer's metrics.json, when it wrote one
	Model       *ModelInfo              `json:"model"`      // what the job's models/model.json says; nil without one
}

// Detail returns a job with its transitions and metrics.
func (s *Service) Detail(ctx context.Context, id string) (*JobDetail, error) {
	j, err := s.DB.FindJob(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &JobDetail{Job: j, Evaluation: json.RawMessage("null"), Model: s.modelInfo(j)}
	if d.Transitions, err = s.DB.JobTransitions(ctx, id); err != nil {
		return nil, err
	}
	if d.Metrics, err = s.DB.JobMetrics(ctx, id); err != nil {
		return nil, err
	}
	if d.LogLines, err = s.DB.CountJobLogs(ctx, id); err != nil {
		return nil, err
	}
	if ev := s.evaluation(j); ev != nil {
		d.Evaluation = ev
	}
	return d, nil
}
