package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// JobEvents is a batch of agent events to store in one transaction.
type JobEvents struct {
	Statuses []jobproto.StatusEvent
	Logs     []jobproto.LogEvent
	Metrics  []jobproto.MetricEvent
}

// AppliedEvents is what a batch changed: only what was new (a redelivered
// event changes nothing and is not in here).
type AppliedEvents struct {
	Jobs    map[string]bool                 // jobs whose row changed
	Lines   map[string][]backend.JobLogLine // new log lines per job, in order
	Metrics map[string][]backend.JobMetric
}

// ApplyJobEvents stores a batch of events exactly once: log lines and
// transitions are keyed by (job, attempt, seq), metrics by (job, attempt,
// epoch), so events delivered twice (an app that crashed before acking)
// store nothing twice. Events of unknown jobs are dropped.
func (d *DB) ApplyJobEvents(ctx context.Context, b JobEvents) (*AppliedEvents, error) {
	out := &AppliedEvents{Jobs: map[string]bool{}, Lines: map[string][]backend.JobLogLine{}, Metrics: map[string][]backend.JobMetric{}}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	known := map[string]bool{}
	for _, e := range b.Logs {
		if err := d.applyLog(ctx, tx, e, out, known); err != nil {
			return nil, err
		}
	}
	for _, e := range b.Metrics {
		if err := d.applyMetric(ctx, tx, e, out); err != nil {
			return nil, err
		}
	}
	for _, e := range b.Statuses {
		if err := d.applyStatus(ctx, tx, e, out); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

func (d *DB) jobExists(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM training_jobs WHERE id = ?`), id).Scan(&n)
	return n > 0, err
}

// applyLog inserts a batch of lines with one statement; a batch comes
// again whole or not at all, so "nothing inserted" means "seen before".
func (d *DB) applyLog(ctx context.Context, tx *sql.Tx, e jobproto.LogEvent, out *AppliedEvents, known map[string]bool) error {
	if len(e.Lines) == 0 {
		return nil
	}
	ok, seen := known[e.JobID]
	if !seen {
		var err error
		if ok, err = d.jobExists(ctx, tx, e.JobID); err != nil {
			return err
		}
		known[e.JobID] = ok
	}
	if !ok {
		return nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO job_logs (job_id, attempt, seq, stream, text, at) VALUES `)
	args := make([]any, 0, 6*len(e.Lines))
	lines := make([]backend.JobLogLine, len(e.Lines))
	for i, l := range e.Lines {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?)")
		seq := e.Seq + int64(i)
		text := strings.ToValidUTF8(strings.ReplaceAll(l.Text, "\x00", ""), "\uFFFD")
		args = append(args, e.JobID, e.Attempt, seq, l.Stream, text, l.Time.UTC())
		lines[i] = backend.JobLogLine{Attempt: e.Attempt, Seq: seq, Stream: l.Stream, Text: text, Time: l.Time.UTC()}
	}
	q.WriteString(" ON CONFLICT (job_id, attempt, seq) DO NOTHING")
	r, err := tx.ExecContext(ctx, d.rebind(q.String()), args...)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n > 0 {
		out.Lines[e.JobID] = append(out.Lines[e.JobID], lines...)
	}
	return nil
}

func (d *DB) applyMetric(ctx context.Context, tx *sql.Tx, e jobproto.MetricEvent, out *AppliedEvents) error {
	if ok, err := d.jobExists(ctx, tx, e.JobID); err != nil || !ok {
		return err
	}
	var m backend.JobMetric
	var tl, ti, vl, vi sql.NullFloat64
	var cls string
	err := tx.QueryRowContext(ctx, d.rebind(`SELECT train_loss, train_iou, val_loss, val_iou, class_iou FROM job_metrics
		WHERE job_id = ? AND attempt = ? AND epoch = ?`), e.JobID, e.Attempt, e.Epoch).Scan(&tl, &ti, &vl, &vi, &cls)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	m.TrainLoss, m.TrainIoU, m.ValLoss, m.ValIoU = nullable(tl), nullable(ti), nullable(vl), nullable(vi)
	m.ClassIoU = map[string]float64{}
	_ = json.Unmarshal([]byte(cls), &m.ClassIoU)
	pick := func(dst **float64, v *float64) {
		if v != nil {
			*dst = v
		}
	}
	pick(&m.TrainLoss, e.TrainLoss)
	pick(&m.TrainIoU, e.TrainIoU)
	pick(&m.ValLoss, e.ValLoss)
	pick(&m.ValIoU, e.ValIoU)
	for k, v := range e.ClassIoU {
		m.ClassIoU[k] = v
	}
	m.Attempt, m.Epoch, m.Total, m.Time = e.Attempt, e.Epoch, e.Total, e.Time.UTC()
	cj, _ := json.Marshal(m.ClassIoU)
	if exists {
		_, err = tx.ExecContext(ctx, d.rebind(`UPDATE job_metrics SET total = ?, train_loss = ?, train_iou = ?, val_loss = ?, val_iou = ?,
			class_iou = ?, at = ? WHERE job_id = ? AND attempt = ? AND epoch = ?`),
			m.Total, m.TrainLoss, m.TrainIoU, m.ValLoss, m.ValIoU, string(cj), m.Time, e.JobID, e.Attempt, e.Epoch)
	} else {
		_, err = tx.ExecContext(ctx, d.rebind(`INSERT INTO job_metrics (job_id, attempt, epoch, total, train_loss, train_iou, val_loss,
			val_iou, class_iou, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			e.JobID, e.Attempt, e.Epoch, m.Total, m.TrainLoss, m.TrainIoU, m.ValLoss, m.ValIoU, string(cj), m.Time)
	}
	if err != nil {
		return err
	}
	// The job's summary: the latest epoch, and the best val IoU so far.
	var best sql.NullFloat64
	var attempt int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT best_val_iou, attempt FROM training_jobs WHERE id = ?`), e.JobID).
		Scan(&best, &attempt); err != nil {
		return err
	}
	if e.Attempt >= attempt {
		bestV, lastV := nullable(best), m.ValIoU
		if lastV != nil && (bestV == nil || *lastV > *bestV) {
			bestV = lastV
		}
		epochs := e.Total
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE training_jobs SET epoch = ?, epochs = ?, last_val_iou = ?, best_val_iou = ?,
			updated_at = ? WHERE id = ?`), e.Epoch, epochs, lastV, bestV, d.Now(), e.JobID); err != nil {
			return err
		}
	}
	out.Metrics[e.JobID] = append(out.Metrics[e.JobID], m)
	out.Jobs[e.JobID] = true
	return nil
}

// applyStatus records a status event: a transition when the status (or
// attempt) changes, and the job's current state. A late event of an older
// attempt, or anything after a terminal state, changes nothing.
func (d *DB) applyStatus(ctx context.Context, tx *sql.Tx, e jobproto.StatusEvent, out *AppliedEvents) error {
	var status string
	var attempt int
	err := tx.QueryRowContext(ctx, d.rebind(`SELECT status, attempt FROM training_jobs WHERE id = ?`), e.JobID).Scan(&status, &attempt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if jobproto.Terminal(status) || e.Attempt < attempt {
		return nil
	}
	now := d.Now()
	if e.Status != status || e.Attempt != attempt {
		reason := e.Reason
		r, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO job_transitions (job_id, attempt, seq, status, reason, worker, at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, attempt, seq) DO NOTHING`),
			e.JobID, e.Attempt, e.Seq, e.Status, reason, e.Worker, e.Time.UTC())
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil // seen before
		}
	}
	diag, _ := json.Marshal(nonNilStrings(e.Diagnostics))
	errText := e.Reason
	if e.Status != jobproto.StatusFailed && e.Status != jobproto.StatusCancelled {
		errText = ""
	}
	if len(e.Errors) > 0 {
		parts := make([]string, len(e.Errors))
		for i, fe := range e.Errors {
			parts[i] = fe.Error()
		}
		errText = strings.Join(parts, "; ")
	}
	var exit any
	if e.ExitCode != nil {
		exit = *e.ExitCode
	}
	var finished any
	if jobproto.Terminal(e.Status) {
		finished = e.Time.UTC()
	}
	_, err = tx.ExecContext(ctx, d.rebind(`UPDATE training_jobs SET status = ?, progress = ?, worker = ?, attempt = ?, error = ?,
		exit_code = ?, diagnostics = ?, started_at = COALESCE(started_at, ?), finished_at = ?, updated_at = ? WHERE id = ?`),
		e.Status, e.Progress, e.Worker, e.Attempt, errText, exit, string(diag), e.Time.UTC(), finished, now, e.JobID)
	if err != nil {
		return err
	}
	if e.Attempt > attempt {
		// A new attempt: its own epochs and Val IoU, not the last one's
		// (its metrics, resumed ones included, build them up again).
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE training_jobs SET epoch = 0, last_val_iou = NULL, best_val_iou = NULL
			WHERE id = ?`), e.JobID); err != nil {
			return err
		}
	}
	out.Jobs[e.JobID] = true
	return nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// FinishJob sets a job's terminal state from the app's side (a pending job
// withdrawn, a job that could not be dispatched), with its transition.
func (d *DB) FinishJob(ctx context.Context, id, status, reason string) error {
	now := d.Now()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var cur string
	var attempt int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT status, attempt FROM training_jobs WHERE id = ?`), id).Scan(&cur, &attempt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return backend.Errorf(backend.ENOTFOUND, "training job %s not found", id)
		}
		return err
	}
	if jobproto.Terminal(cur) {
		return backend.Errorf(backend.ECONFLICT, "training job %s has already ended (%s)", id, cur)
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO job_transitions (job_id, attempt, seq, status, reason, worker, at)
		VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_transitions WHERE job_id = ? AND attempt = ?), ?, ?, 'app', ?)`),
		id, attempt, id, attempt, status, reason, now); err != nil {
		return err
	}
	errText := ""
	if status == jobproto.StatusFailed || status == jobproto.StatusCancelled {
		errText = reason
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE training_jobs SET status = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?`),
		status, errText, now, now, id); err != nil {
		return err
	}
	return tx.Commit()
}
