package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// JobRequest asks for a training job.
type JobRequest struct {
	ProjectID    int64          `json:"project_id"`
	PipelineID   string         `json:"pipeline_id"`   // an existing pipeline, or
	PipelineName string         `json:"pipeline_name"` // a new one ("" = named after the project)
	Worker       string         `json:"worker"`        // a worker by name, or
	Pool         string         `json:"pool"`          // any worker of a pool
	Trainer      string         `json:"trainer"`       // "" = the worker's first
	Config       map[string]any `json:"config"`
	Seed         int64          `json:"seed"`
	ValFraction  float64        `json:"val_fraction"`
}

// SplitSeed seeds the choice of validation images: the request's, or 42.
func (r JobRequest) SplitSeed() int64 {
	if r.Seed == 0 {
		return 42
	}
	return r.Seed
}

// Target names where a request sends its job: "worker:<name>" or "pool:<pool>".
func (r JobRequest) Target() string {
	if r.Worker != "" {
		return "worker:" + r.Worker
	}
	return "pool:" + r.Pool
}

// CheckJob validates a request as far as it can without writing anything:
// the target, the trainer and the config against its schema (with one
// message per field). It returns the trainer and the config with defaults.
func (s *Service) CheckJob(ctx context.Context, r *JobRequest) (*jobproto.TrainerInfo, map[string]any, error) {
	if (r.Worker == "") == (r.Pool == "") {
		return nil, nil, backend.Errorf(backend.EINVALID, "choose a worker or a pool, not both and not neither")
	}
	for what, v := range map[string]string{"worker": r.Worker, "pool": r.Pool} {
		if v != "" {
			if err := jobproto.CheckToken(what, v); err != nil {
				return nil, nil, backend.Errorf(backend.EINVALID, "%v", err)
			}
		}
	}
	t, _, err := s.findTrainer(ctx, r.Worker, r.Pool, r.Trainer)
	if err != nil {
		return nil, nil, err
	}
	cfg, fes := jobproto.Validate(t.ConfigSchema, r.Config)
	if len(fes) > 0 {
		e := backend.Errorf(backend.EINVALID, "the training configuration has %d problem(s)", len(fes))
		for _, fe := range fes {
			e.Fields = append(e.Fields, backend.FieldError{Field: fe.Field, Message: fe.Message})
		}
		e.Message += ": " + fes[0].Error()
		return nil, nil, e
	}
	return t, cfg, nil
}

// CreateJob validates a request, creates the pipeline (when new) and the
// job (PENDING), writes its training set, hands it to the broker and
// queues the job for its target.
func (s *Service) CreateJob(ctx context.Context, user string, r JobRequest) (*backend.Job, error) {
	p, err := s.DB.FindProjectByID(ctx, r.ProjectID)
	if err != nil {
		return nil, err
	}
	t, cfg, err := s.CheckJob(ctx, &r)
	if err != nil {
		return nil, err
	}
	if err := s.Builder.Check(ctx, r.ProjectID); err != nil {
		return nil, err
	}
	pl, isNew, err := s.pipeline(ctx, user, p, r)
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(cfg)
	j := &backend.Job{ID: uuid.NewString(), PipelineID: pl.ID, ProjectID: p.ID, Status: jobproto.StatusPending,
		Trainer: t.Name, Target: r.Target(), Config: raw, CreatedBy: user}
	if n, ok := cfg["epochs"].(int); ok {
		j.Epochs = int(n)
	}
	create := s.DB.CreateJob
	if isNew { // recorded with its first job, or not at all
		create = func(ctx context.Context, j *backend.Job, reason string) error {
			return s.DB.CreateJobInNewPipeline(ctx, pl, j, reason)
		}
	}
	if err := create(ctx, j, "created by "+user+"; training set being prepared"); err != nil {
		return nil, err
	}
	// Prepared to its end even if the page that asked goes away.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dispatchTimeout)
	defer cancel()
	if err := s.dispatch(dctx, j, r, cfg); err != nil {
		reason := "could not prepare or queue the job: " + backend.ErrorMessageOrText(err)
		if ferr := s.DB.FinishJob(context.WithoutCancel(ctx), j.ID, jobproto.StatusFailed, reason); ferr != nil {
			s.Logf("training: %v", ferr)
		}
		s.emitJob(context.WithoutCancel(ctx), j.ID)
		return nil, err
	}
	s.emitJob(ctx, j.ID)
	return s.DB.FindJob(ctx, j.ID)
}

// dispatchTimeout bounds building, storing and queueing a training set.
const dispatchTimeout = 30 * time.Minute

// pipeline returns the request's pipeline: an existing one, or a new one
// (isNew) not recorded yet, which CreateJobInNewPipeline records with its
// first job.
func (s *Service) pipeline(ctx context.Context, user string, p *backend.Project, r JobRequest) (_ *backend.Pipeline, isNew bool, _ error) {
	if r.PipelineID != "" {
		pl, err := s.DB.FindPipeline(ctx, r.PipelineID)
		if err != nil {
			return nil, false, err
		}
		if pl.ProjectID != p.ID {
			return nil, false, backend.Errorf(backend.EINVALID, "pipeline %s belongs to another project", pl.ID)
		}
		return pl, false, nil
	}
	name := strings.TrimSpace(r.PipelineName)
	if strings.ContainsAny(name, "\x00\n\r\t") || !utf8.ValidString(name) {
		return nil, false, backend.Errorf(backend.EINVALID, "pipeline name must be text without control characters")
	}
	if name == "" {
		name = p.Name + " — " + time.Now().Format("2006-01-02 15:04")
	}
	pl := &backend.Pipeline{ID: uuid.NewString(), Name: name, ProjectID: p.ID, Worker: r.Target(), CreatedBy: user}
	return pl, true, nil
}

// dispatch writes the training set, puts it in the object store and
// publishes the job; the job id is the message id, so a retry is dropped.
func (s *Service) dispatch(ctx context.Context, j *backend.Job, r JobRequest, cfg map[string]any) error {
	seed := r.SplitSeed()
	if _, err := s.Builder.Build(ctx, dataset.Options{ProjectID: j.ProjectID, PipelineID: j.PipelineID, JobID: j.ID,
		Seed: seed, ValFraction: r.ValFraction, Config: cfg}); err != nil {
		return err
	}
	obj, err := s.JS.ObjectStore(ctx, broker.BucketTrainingSets)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(dataset.Pack(s.JobDir(j), pw)) }()
	if _, err := obj.Put(ctx, jetstream.ObjectMeta{Name: j.ID + ".tar.gz"}, pr); err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("store the training set: %w", err)
	}
	msg := jobproto.JobMessage{JobID: j.ID, ProjectID: strconv.FormatInt(j.ProjectID, 10), Trainer: j.Trainer, Config: cfg,
		TrainingSet: j.ID + ".tar.gz", MaxAttempts: s.MaxAttempts, CreatedAt: j.CreatedAt}
	data, _ := json.Marshal(msg)
	subject := jobproto.PoolSubject(r.Pool, j.ID)
	if r.Worker != "" {
		subject = jobproto.WorkerSubject(r.Worker, j.ID)
	}
	nm := nats.NewMsg(subject)
	nm.Data = data
	nm.Header.Set(jobproto.HeaderMsgID, j.ID)
	ack, err := s.JS.PublishMsg(ctx, nm)
	if err != nil {
		return fmt.Errorf("queue the job: %w", err)
	}
	return s.DB.SetJobStreamSeq(ctx, j.ID, ack.Sequence)
}

func (s *Service) emitJob(ctx context.Context, id string) {
	if j, err := s.DB.FindJob(ctx, id); err == nil {
		s.emit(backend.EventJobUpdated, j.ProjectID, j)
	}
}

// Cancel stops a job: the agent running it is asked to stop its trainer
// (the job ends CANCELLED with its log kept); a job no agent has taken yet
// is withdrawn from the queue.
func (s *Service) Cancel(ctx context.Context, user, id string) error {
	j, err := s.DB.FindJob(ctx, id)
	if err != nil {
		return err
	}
	if jobproto.Terminal(j.Status) {
		return backend.Errorf(backend.ECONFLICT, "training job %s has already ended (%s)", id, j.Status)
	}
	if done, err := s.askToCancel(id, user); done || err != nil {
		return err
	}
	// No agent answers. Its final status may be on its way to the ingest:
	// let that catch up first.
	s.ingestCaughtUp(ctx)
	if j, err = s.DB.FindJob(ctx, id); err != nil {
		return err
	}
	if jobproto.Terminal(j.Status) {
		return backend.Errorf(backend.ECONFLICT, "training job %s has already ended (%s)", id, j.Status)
	}
	// Take it out of the queue, then ask again: an agent may have taken it
	// meanwhile.
	if seq, err := s.DB.JobStreamSeq(ctx, id); err == nil && seq > 0 {
		if st, err := s.JS.Stream(ctx, broker.StreamJobs); err == nil {
			_ = st.DeleteMsg(ctx, seq) // gone already if an agent acked it
		}
	}
	if done, err := s.askToCancel(id, user); done || err != nil {
		return err
	}
	reason := "cancelled by " + user + " before an agent ran it"
	if j.Status != jobproto.StatusPending {
		reason = "cancelled by " + user + "; no agent was running it any more"
	}
	if err := s.DB.FinishJob(ctx, id, jobproto.StatusCancelled, reason); err != nil {
		return err
	}
	s.emitJob(ctx, id)
	return nil
}

// askToCancel asks the agent running the job to stop it: done when one
// answered (err says why the job goes on, if it does), not done when no
// agent holds the job.
func (s *Service) askToCancel(id, user string) (done bool, err error) {
	reply, err := s.NC.Request(jobproto.CancelSubject(id), []byte(user), s.CancelTimeout)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return false, nil
	case errors.Is(err, nats.ErrTimeout):
		return true, backend.Errorf(backend.ECONFLICT, "the agent running training job %s did not answer within %s: try again", id, s.CancelTimeout)
	case err != nil:
		return true, err
	case strings.HasPrefix(string(reply.Data), jobproto.CancelReply):
		return true, nil // the agent publishes CANCELLED when the trainer is gone
	default: // "finished": the trainer is done; the job completes or fails
		return true, backend.Errorf(backend.ECONFLICT, "training job %s has already finished training; its results are being saved", id)
	}
}

// ingestCaughtUp waits (a few seconds at most) until the ingest has stored
// every event already in EVENTS.
func (s *Service) ingestCaughtUp(ctx context.Context) {
	cons, err := s.JS.Consumer(ctx, broker.StreamEvents, s.Consumer)
	if err != nil {
		return
	}
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		info, err := cons.Info(ctx)
		if err != nil || info.NumPending == 0 && info.NumAckPending == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Delete removes an ended job: its rows, its folder and its objects.
func (s *Service) Delete(ctx context.Context, id string) error {
	j, err := s.DB.FindJob(ctx, id)
	if err != nil {
		return err
	}
	if !jobproto.Terminal(j.Status) {
		return backend.Errorf(backend.ECONFLICT, "training job %s is %s: cancel it first", id, j.Status)
	}
	s.fetches.Stop(id, nil) // a download in progress would write the folder again
	if err := s.DB.DeleteJob(ctx, id); err != nil {
		return err
	}
	os.RemoveAll(s.JobDir(j))
	// The job's whole-image predictions go with it, a running one first.
	if s.StopPredictions != nil {
		s.StopPredictions(id)
	}
	preds, _ := filepath.Glob(filepath.Join(s.Layout.ProjectDir(j.ProjectID), ".viewer", "image-*", "predictions", id))
	for _, p := range preds {
		os.RemoveAll(p)
	}
	s.deleteObjects(ctx, id)
	s.emit(backend.EventJobUpdated, j.ProjectID, map[string]any{"id": id, "deleted": true})
	return nil
}

// deleteObjects removes a job's training set and results from the broker.
func (s *Service) deleteObjects(ctx context.Context, id string) {
	if obj, err := s.JS.ObjectStore(ctx, broker.BucketTrainingSets); err == nil {
		_ = obj.Delete(ctx, id+".tar.gz")
	}
	if obj, err := s.JS.ObjectStore(ctx, broker.BucketArtifacts); err == nil {
		if infos, err := obj.List(ctx); err == nil {
			for _, in := range infos {
				if strings.HasPrefix(in.Name, "jobs/"+id+"/") {
					_ = obj.Delete(ctx, in.Name)
				}
			}
		}
	}
}

// ForgetProject is what a project's deletion needs of training (set as
// projects.Service.BeforeDelete): refused while any of its jobs has not
// ended; else its jobs' downloads stop and their objects leave the broker
// (the rows and folders go with the project).
func (s *Service) ForgetProject(ctx context.Context, projectID int64) error {
	js, err := s.DB.FindJobs(ctx, projectID)
	if err != nil {
		return err
	}
	running := 0
	for _, j := range js {
		if !jobproto.Terminal(j.Status) {
			running++
		}
	}
	if running > 0 {
		return backend.Errorf(backend.ECONFLICT, "the project has training jobs not finished (%d): cancel them first", running)
	}
	for _, j := range js {
		s.fetches.Stop(j.ID, nil)
		s.deleteObjects(ctx, j.ID)
	}
	return nil
}
