package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
)

// IngestConsumer is the app's durable consumer on EVENTS: what it has not
// acknowledged is delivered again after a restart, so nothing is lost.
const IngestConsumer = "app-ingest"

// Batching of the ingest: the first event waiting and up to maxBatch-1
// more that are already there are stored in one transaction.
const maxBatch = 2000

// Ingest stores every event of EVENTS exactly once, appends new log lines
// to each job's train.log and pushes everything to the UIs, until ctx ends.
func (s *Service) Ingest(ctx context.Context) error {
	stream, err := s.JS.Stream(ctx, broker.StreamEvents)
	if err != nil {
		return err
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: s.Consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 10 * time.Second,
		MaxAckPending: 20000, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return err
	}
	s.healLogs(ctx)
	// Explicit pulls rather than a prefetching Consume: every message this
	// process takes is stored or handed back (Nak) before it stops, so a
	// restart gets it at once instead of after the ack wait.
	for ctx.Err() == nil {
		first, err := cons.Next(jetstream.FetchMaxWait(500 * time.Millisecond))
		if err != nil {
			if !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
				s.Logf("training: pull events: %v", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
			continue
		}
		batch := []jetstream.Msg{first}
		if more, err := cons.FetchNoWait(maxBatch - 1); err == nil {
			for m := range more.Messages() {
				batch = append(batch, m)
			}
		}
		if err := s.apply(ctx, batch); err != nil {
			if ctx.Err() != nil {
				for _, m := range batch {
					_ = m.Nak()
				}
				return nil
			}
			s.Logf("training: store %d events: %v (they will be delivered again)", len(batch), err)
			for _, m := range batch {
				_ = m.NakWithDelay(time.Second)
			}
		}
	}
	return nil
}

// apply stores one batch, then acknowledges it.
func (s *Service) apply(ctx context.Context, batch []jetstream.Msg) error {
	var evs store.JobEvents
	for _, m := range batch {
		// The job is the subject's: an event whose body is about another
		// job is dropped (an agent may publish only about the job it runs).
		id, kind, ok := jobproto.ParseEventSubject(m.Subject())
		var err error
		if !ok {
			err = errors.New("not an event subject")
		}
		check := func(about string) bool {
			if err == nil && about != id {
				err = fmt.Errorf("its body is about job %q", about)
			}
			return err == nil
		}
		switch {
		case err != nil:
		case kind == jobproto.KindStatus:
			var e jobproto.StatusEvent
			if err = json.Unmarshal(m.Data(), &e); check(e.JobID) {
				evs.Statuses = append(evs.Statuses, e)
			}
		case kind == jobproto.KindLog:
			var e jobproto.LogEvent
			if err = json.Unmarshal(m.Data(), &e); check(e.JobID) {
				evs.Logs = append(evs.Logs, e)
			}
		case kind == jobproto.KindMetric:
			var e jobproto.MetricEvent
			if err = json.Unmarshal(m.Data(), &e); check(e.JobID) {
				evs.Metrics = append(evs.Metrics, e)
			}
		}
		if err != nil {
			s.Logf("training: dropping a malformed %s event on %s: %v", kind, m.Subject(), err)
		}
	}
	applied, err := s.DB.ApplyJobEvents(ctx, evs)
	if err != nil {
		return err
	}
	for _, e := range applied.Dropped {
		s.Logf("training: dropped an event the database refused: %v", e)
	}
	for _, m := range batch {
		_ = m.Ack()
	}
	s.publish(ctx, applied)
	return nil
}

// publish appends the new lines to train.log and tells the UIs.
func (s *Service) publish(ctx context.Context, a *store.AppliedEvents) {
	for id := range a.Jobs {
		j, err := s.DB.FindJob(ctx, id)
		if err != nil {
			continue
		}
		if lines := a.Lines[id]; len(lines) > 0 {
			if err := s.appendLog(j, lines); err != nil {
				s.Logf("training: train.log of %s: %v", id, err)
			}
			s.emit(backend.EventJobLog, j.ProjectID, map[string]any{"job_id": id, "lines": lines})
			delete(a.Lines, id)
		}
		for _, m := range a.Metrics[id] {
			s.emit(backend.EventJobMetric, j.ProjectID, map[string]any{"job_id": id, "metric": m})
		}
		s.emit(backend.EventJobUpdated, j.ProjectID, j)
		if jobproto.Terminal(j.Status) {
			if err := s.writeFinalLog(ctx, j); err != nil {
				s.Logf("training: train.log of %s: %v", id, err)
			}
			if j.Status == jobproto.StatusCompleted {
				s.startFetch(ctx, j)
			}
		}
	}
	for id, lines := range a.Lines { // lines of jobs whose row did not change
		j, err := s.DB.FindJob(ctx, id)
		if err != nil {
			continue
		}
		write := func() error { return s.appendLog(j, lines) }
		if jobproto.Terminal(j.Status) {
			// Late lines of an ended job (held back by a restart): keep
			// the file in order by writing it whole again.
			write = func() error { return s.writeLog(ctx, j) }
		}
		if err := write(); err != nil {
			s.Logf("training: train.log of %s: %v", id, err)
		}
		s.emit(backend.EventJobLog, j.ProjectID, map[string]any{"job_id": id, "lines": lines})
	}
}

// LogPath is a job's train.log.
func (s *Service) LogPath(j *backend.Job) string { return filepath.Join(s.JobDir(j), "train.log") }

// FormatLine is a log line as train.log and `tessera jobs logs` print it.
func FormatLine(l backend.JobLogLine) string {
	if l.Stream == jobproto.StreamAgent {
		return "[agent] " + l.Text + "\n"
	}
	return l.Text + "\n"
}

func (s *Service) appendLog(j *backend.Job, lines []backend.JobLogLine) error {
	if err := os.MkdirAll(s.JobDir(j), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(s.LogPath(j), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(FormatLine(l))
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeLog rewrites train.log from the database, where every line is
// stored exactly once: at the end of a job, and for unfinished jobs when
// the app starts (a crash between storing lines and appending them).
// logFinalMarker in a job folder says its train.log was written whole
// after the job ended.
const logFinalMarker = ".log-final"

// writeFinalLog writes an ended job's whole train.log, then its marker.
func (s *Service) writeFinalLog(ctx context.Context, j *backend.Job) error {
	if err := s.writeLog(ctx, j); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.JobDir(j), logFinalMarker), nil, 0o644)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func (s *Service) writeLog(ctx context.Context, j *backend.Job) error {
	if err := os.MkdirAll(s.JobDir(j), 0o755); err != nil {
		return err
	}
	tmp := s.LogPath(j) + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	attempt, seq := 0, int64(0)
	for {
		lines, err := s.DB.JobLogs(ctx, j.ID, attempt, seq, 10000)
		if err != nil {
			f.Close()
			return err
		}
		if len(lines) == 0 {
			break
		}
		var b strings.Builder
		for _, l := range lines {
			if l.Attempt != attempt && l.Seq == 1 && l.Attempt > 1 {
				fmt.Fprintf(&b, "[tessera] attempt %d\n", l.Attempt)
			}
			b.WriteString(FormatLine(l))
			attempt, seq = l.Attempt, l.Seq
		}
		if _, err := f.WriteString(b.String()); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, s.LogPath(j))
}

// healLogs rewrites the train.log of every unfinished job, fetches the
// artifacts of completed jobs that do not have them yet, and fails the jobs
// a stopped app left unqueued.
func (s *Service) healLogs(ctx context.Context) {
	js, err := s.DB.FindJobs(ctx, 0)
	if err != nil {
		return
	}
	for _, j := range js {
		if jobproto.Terminal(j.Status) && !exists(filepath.Join(s.JobDir(j), logFinalMarker)) {
			_ = s.writeFinalLog(ctx, j) // the app stopped between storing its last lines and writing them
		}
		switch {
		case j.Status == jobproto.StatusPending && j.CreatedAt.Before(s.started):
			s.failUnqueued(ctx, j)
		case !jobproto.Terminal(j.Status) && j.Status != jobproto.StatusPending:
			_ = s.writeLog(ctx, j)
		case j.Status == jobproto.StatusCompleted:
			if _, err := os.Stat(filepath.Join(s.JobDir(j), artifactsMarker)); errors.Is(err, os.ErrNotExist) {
				s.startFetch(ctx, j)
			}
		}
	}
}

// failUnqueued fails a job the app stopped preparing: it has no message in
// JOBS, so no agent would ever take it.
func (s *Service) failUnqueued(ctx context.Context, j *backend.Job) {
	if seq, err := s.DB.JobStreamSeq(ctx, j.ID); err != nil || seq > 0 {
		return
	}
	if err := s.DB.FinishJob(ctx, j.ID, jobproto.StatusFailed, "the app stopped while preparing this job's training set: start it again"); err != nil {
		s.Logf("training: %v", err)
		return
	}
	s.emitJob(ctx, j.ID)
}
