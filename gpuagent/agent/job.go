package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// Why a job stopped before its trainer finished: the cause of its context.
var (
	errCancelRequested = errors.New("cancelled by request")
	errAgentStopping   = errors.New("agent stopping")
	errConnLost        = errors.New("broker connection lost")
)

// job is one attempt at one job message.
type job struct {
	a       *agent
	msg     jetstream.Msg
	m       jobproto.JobMessage
	attempt int
	dir     string
	ev      *events

	ctx    context.Context // ends on cancel request, agent stop or connection loss
	cancel context.CancelCauseFunc

	mu          sync.Mutex
	finishing   bool   // past the point where a cancel request takes effect
	cancelledBy string // the cancel request's body: who asked
}

// outcome is how an attempt ended: the status to publish.
type outcome struct {
	st      jobproto.StatusEvent
	requeue bool // PENDING: Nak the message instead of acking it
	silent  bool // the connection is gone: publish nothing, ack nothing
}

func failed(reason string) outcome {
	return outcome{st: jobproto.StatusEvent{Status: jobproto.StatusFailed, Reason: reason}}
}

// handle runs one job message to its end: a final status published and the
// message acked (or, when the agent stops, given back).
func (a *agent) handle(runCtx context.Context, msg jetstream.Msg) {
	m, perr := jobproto.ParseJobMessage(msg.Data())
	if m.JobID == "" {
		m.JobID = lastToken(msg.Subject())
	}
	if !jobproto.ValidToken(m.JobID) {
		a.cfg.Logf("dropping job message on %s: %v", msg.Subject(), perr)
		msg.Term()
		return
	}
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	j := &job{a: a, msg: msg, m: m, attempt: attempt,
		dir: filepath.Join(a.cfg.WorkDir, fmt.Sprintf("job-%s-%d", m.JobID, attempt))}
	j.ctx, j.cancel = context.WithCancelCause(context.Background())
	defer j.cancel(nil)
	// Events outlive a cancel request and an agent stop, not a lost link.
	pubCtx, stopPub := context.WithCancel(context.Background())
	defer stopPub()
	// When events cannot be stored any more nobody will hear of this
	// attempt: the trainer stops (keeping its checkpoint) and the job is
	// left to be redelivered, rather than training on unseen.
	j.ev = newEvents(pubCtx, a.js, m.JobID, attempt, a.cfg.Name, func(error) { j.cancel(errConnLost) })
	defer j.ev.Close()
	go func() {
		select {
		case <-runCtx.Done():
			j.cancel(errAgentStopping)
		case <-a.lost:
			stopPub()
			j.cancel(errConnLost)
		case <-j.ctx.Done():
		}
	}()

	// Cancel requests are answered from here to the final status: "ok"
	// while the trainer can still be stopped, "finished" after.
	sub, serr := a.nc.Subscribe(jobproto.CancelSubject(m.JobID), j.onCancel)
	if serr == nil {
		defer sub.Unsubscribe()
	}
	var out outcome
	switch {
	case serr != nil:
		out = j.interrupted(serr)
	case perr != nil:
		out = failed(perr.Error())
	case attempt > m.Attempts():
		out = failed(fmt.Sprintf("the job was started %d %s and its agent was lost each time", attempt-1, plural(attempt-1, "time")))
	default:
		a.cfg.Logf("job %s: attempt %d, trainer %s", m.JobID, attempt, m.Trainer)
		a.hb.jobStarted(m.JobID)
		defer a.hb.jobEnded(m.JobID)
		out = j.run()
		j.setFinishing()
		// The folder goes before the final status: a job seen finished
		// has left nothing behind.
		j.ev.CloseLog()
		if err := os.RemoveAll(j.dir); err != nil {
			a.cfg.Logf("job %s: remove %s: %v", m.JobID, j.dir, err)
		}
	}
	// A job that ends for good needs its checkpoints no more; one that
	// goes back to the queue, or whose agent lost the broker, keeps them
	// for its next attempt here.
	if !out.requeue && !out.silent {
		if err := a.cfg.removeResume(m.JobID); err != nil {
			a.cfg.Logf("job %s: remove checkpoints: %v", m.JobID, err)
		}
	}
	j.finish(out)
}

// run is one attempt: the job's status, progress and log go to EVENTS as it
// goes; the returned outcome is the final status, not yet published.
func (j *job) run() outcome {
	stopTicks := j.keepAlive()
	defer stopTicks()

	started := fmt.Sprintf("agent %s took the job (attempt %d); fetching the training set", j.a.cfg.Name, j.attempt)
	if err := j.ev.Status(jobproto.StatusEvent{Status: jobproto.StatusStarted, Reason: started}); err != nil {
		return j.interrupted(err)
	}
	tr, ok := j.a.cfg.trainer(j.m.Trainer)
	if !ok {
		return failed(fmt.Sprintf("this agent has no trainer %q (it has %s)", j.m.Trainer, strings.Join(j.a.cfg.trainerNames(), ", ")))
	}
	cfg, ferrs := jobproto.Validate(tr.Info().ConfigSchema, j.m.Config)
	if ferrs != nil {
		out := failed("invalid config: " + joinFieldErrors(ferrs))
		out.st.Errors = ferrs
		return out
	}
	if err := j.prepare(cfg); err != nil {
		if j.ctx.Err() != nil {
			return j.interrupted(err)
		}
		return failed(err.Error())
	}
	return j.train(tr, cfg)
}

// prepare makes the job folder: the training set, config.json, train.log.
func (j *job) prepare(cfg map[string]any) error {
	if err := os.RemoveAll(j.dir); err != nil {
		return fmt.Errorf("job folder: %w", err)
	}
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		return fmt.Errorf("job folder: %w", err)
	}
	resume := j.a.cfg.resumeDir(j.m.JobID)
	err := os.MkdirAll(resume, 0o700)
	if errors.Is(err, os.ErrNotExist) { // another job's end removed the empty parent meanwhile
		err = os.MkdirAll(resume, 0o700)
	}
	if err != nil {
		return fmt.Errorf("checkpoint folder: %w", err)
	}
	obj, err := j.a.sets.Get(j.ctx, j.m.TrainingSet)
	if err != nil {
		return fmt.Errorf("training set %s: %w", j.m.TrainingSet, err)
	}
	defer obj.Close()
	if info, err := obj.Info(); err == nil {
		j.ev.Agentf("training set %s: %d bytes", j.m.TrainingSet, info.Size)
	}
	st, err := extractTrainingSet(obj, j.dir, j.a.cfg.MaxTrainingSet)
	if err != nil {
		return err
	}
	j.ev.Agentf("extracted %d files (%d bytes)", st.Files, st.Bytes)
	for _, d := range []string{ModelsDir} {
		if err := os.MkdirAll(filepath.Join(j.dir, d), 0o755); err != nil {
			return fmt.Errorf("job folder: %w", err)
		}
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("config.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(j.dir, ConfigFile), data, 0o644); err != nil {
		return fmt.Errorf("config.json: %w", err)
	}
	epochs, _ := cfg["epochs"].(int)
	return j.ev.OpenLog(filepath.Join(j.dir, TrainLogFile), epochs)
}

// onCancel takes a cancel request: "ok" when it takes effect, "finished"
// when the job is already past it (its final status follows). The check
// and the cancel are one step, so that markFinishing sees either.
func (j *job) onCancel(m *nats.Msg) {
	j.mu.Lock()
	if j.finishing {
		j.mu.Unlock()
		m.Respond([]byte("finished"))
		return
	}
	if j.cancelledBy == "" {
		j.cancelledBy = strings.ToValidUTF8(strings.TrimSpace(string(m.Data[:min(len(m.Data), 100)])), "")
	}
	j.cancel(errCancelRequested)
	j.mu.Unlock()
	m.Respond([]byte(jobproto.CancelReply))
}

// markFinishing stops cancel requests from taking effect; false if one
// (or an agent stop, or a lost connection) already did.
func (j *job) markFinishing() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ctx.Err() != nil {
		return false
	}
	j.finishing = true
	return true
}

// setFinishing: whatever happened, a cancel request is too late now.
func (j *job) setFinishing() {
	j.mu.Lock()
	j.finishing = true
	j.mu.Unlock()
}

// keepAlive tells JetStream the job is in progress every AckWait/3 so the
// message is not redelivered while the agent works on it.
func (j *job) keepAlive() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(j.a.cfg.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := j.msg.InProgress(); err != nil {
					j.a.cfg.Logf("job %s: in progress: %v", j.m.JobID, err)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// interrupted is the outcome of a job stopped by its context's cause, or
// failed by err when the context is still live (a publish that failed).
func (j *job) interrupted(err error) outcome {
	switch context.Cause(j.ctx) {
	case errCancelRequested:
		j.mu.Lock()
		reason := "cancelled by request"
		if j.cancelledBy != "" {
			reason = "cancelled by " + j.cancelledBy
		}
		j.mu.Unlock()
		return outcome{st: jobproto.StatusEvent{Status: jobproto.StatusCancelled, Reason: reason}}
	case errAgentStopping:
		return outcome{requeue: true, st: jobproto.StatusEvent{Status: jobproto.StatusPending,
			Reason: fmt.Sprintf("agent %s stopped; the job goes back to the queue", j.a.cfg.Name)}}
	case errConnLost:
		return outcome{silent: true}
	}
	if j.a.nc.IsClosed() {
		return outcome{silent: true}
	}
	// Events could not be published: leave the message to be redelivered.
	j.a.cfg.Logf("job %s: %v", j.m.JobID, err)
	return outcome{silent: true}
}

// finish publishes the final status and then acks, or gives the message
// back (Nak) when the agent stops. Nothing is acked when the status could
// not be stored: the job is redelivered after AckWait.
func (j *job) finish(out outcome) {
	if out.silent {
		j.a.cfg.Logf("job %s: abandoned; it will be redelivered", j.m.JobID)
		return
	}
	if err := j.ev.Status(out.st); err != nil {
		j.a.cfg.Logf("job %s: final status: %v; it will be redelivered", j.m.JobID, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), publishTry)
	defer cancel()
	var err error
	switch {
	case out.requeue:
		err = j.msg.Nak()
	case out.st.Status == jobproto.StatusFailed && j.attempt > j.m.Attempts():
		err = j.msg.Term()
	default:
		err = j.msg.DoubleAck(ctx)
	}
	if err != nil {
		j.a.cfg.Logf("job %s: ack: %v", j.m.JobID, err)
	}
	j.a.cfg.Logf("job %s: %s %s", j.m.JobID, out.st.Status, out.st.Reason)
}

func joinFieldErrors(errs []jobproto.FieldError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func lastToken(subject string) string {
	return subject[strings.LastIndexByte(subject, '.')+1:]
}
