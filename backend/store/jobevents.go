package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
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
	// Dropped says why each event the database refused was left out (a
	// number out of range): it would be refused at every redelivery.
	Dropped []error
}

// ApplyJobEvents stores a batch of events exactly once: log lines and
// transitions are keyed by (job, attempt, seq), metrics by (job, attempt,
// epoch), so events delivered twice (an app that crashed before acking)
// store nothing twice. Events of unknown jobs are dropped, and so are
// events with a value the database refuses, alone: the rest of their batch
// is stored.
func (d *DB) ApplyJobEvents(ctx context.Context, b JobEvents) (*AppliedEvents, error) {
	out, err := d.applyJobEvents(ctx, b, false)
	if err != nil && isDataError(err) && ctx.Err() == nil {
		// Again, each event on its own (a savepoint each, which costs a
		// round trip or two an event: only when the whole batch failed).
		return d.applyJobEvents(ctx, b, true)
	}
	return out, err
}

func (d *DB) applyJobEvents(ctx context.Context, b JobEvents, alone bool) (*AppliedEvents, error) {
	out := &AppliedEvents{Jobs: map[string]bool{}, Lines: map[string][]backend.JobLogLine{}, Metrics: map[string][]backend.JobMetric{}}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// apply runs one event's statements; alone, a value the database
	// refuses drops that event instead of failing the batch.
	apply := func(kind, job string, fn func() error) error {
		if !alone {
			return fn()
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT job_event`); err != nil {
			return err
		}
		err := fn()
		if err != nil && isDataError(err) {
			out.Dropped = append(out.Dropped, fmt.Errorf("%s event of job %q: %w", kind, cleanText(job), err))
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT job_event`); rerr != nil {
				return rerr
			}
			err = nil
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT job_event`)
		return err
	}
	known := map[string]bool{}
	summaries := map[string]bool{} // jobs whose summary is to be worked out again
	for _, e := range b.Logs {
		if err := apply("log", e.JobID, func() error { return d.applyLog(ctx, tx, e, out, known) }); err != nil {
			return nil, err
		}
	}
	for _, e := range b.Statuses {
		if err := apply("status", e.JobID, func() error { return d.applyStatus(ctx, tx, e, out, summaries) }); err != nil {
			return nil, err
		}
	}
	for _, e := range b.Metrics {
		if err := apply("metric", e.JobID, func() error { return d.applyMetric(ctx, tx, e, out, summaries) }); err != nil {
			return nil, err
		}
	}
	// The summaries last, from what is stored: the batch's metrics and
	// statuses come grouped by kind, not in the order they were sent, so a
	// new attempt's first status and its first epochs in one batch would
	// otherwise depend on which was applied first.
	for _, id := range sortedKeys(summaries) {
		if err := d.summarize(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

// summarize works out a job's summary — its latest epoch, and its latest
// and best Val IoU — from its current attempt's metrics: a new attempt's
// own, not the last one's (its metrics, resumed ones included, build them
// up again), and none before it has any.
func (d *DB) summarize(ctx context.Context, tx *sql.Tx, id string) error {
	const latest = `FROM job_metrics m WHERE m.job_id = training_jobs.id AND m.attempt = training_jobs.attempt`
	_, err := tx.ExecContext(ctx, d.rebind(`UPDATE training_jobs SET
		epoch = COALESCE((SELECT m.epoch `+latest+` ORDER BY m.epoch DESC LIMIT 1), 0),
		epochs = COALESCE((SELECT m.total `+latest+` ORDER BY m.epoch DESC LIMIT 1), epochs),
		last_val_iou = (SELECT m.val_iou `+latest+` ORDER BY m.epoch DESC LIMIT 1),
		best_val_iou = (SELECT MAX(m.val_iou) `+latest+`),
		updated_at = ? WHERE id = ?`), d.Now(), id)
	return err
}

// outOfRange drops an event whose numbers do not fit the INTEGER columns
// (32 bits on PostgreSQL; SQLite is held to the same), noting it in out.
func outOfRange(out *AppliedEvents, kind, job string, ns ...int64) bool {
	for _, n := range ns {
		if n < math.MinInt32 || n > math.MaxInt32 {
			out.Dropped = append(out.Dropped, fmt.Errorf("%s event of job %q: %d is out of range", kind, cleanText(job), n))
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (d *DB) jobExists(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM training_jobs WHERE id = ?`), id).Scan(&n)
	return n > 0, err
}

// applyLog inserts a batch of lines with one statement; a batch comes
// again whole or not at all, so "nothing inserted" means "seen before".
func (d *DB) applyLog(ctx context.Context, tx *sql.Tx, e jobproto.LogEvent, out *AppliedEvents, known map[string]bool) error {
	if len(e.Lines) == 0 || outOfRange(out, "log", e.JobID, int64(e.Attempt), e.Seq, e.Seq+int64(len(e.Lines))) {
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
		text := cleanText(l.Text)
		args = append(args, e.JobID, e.Attempt, seq, cleanText(l.Stream), text, l.Time.UTC())
		lines[i] = backend.JobLogLine{Attempt: e.Attempt, Seq: seq, Stream: cleanText(l.Stream), Text: text, Time: l.Time.UTC()}
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

func (d *DB) applyMetric(ctx context.Context, tx *sql.Tx, e jobproto.MetricEvent, out *AppliedEvents, summaries map[string]bool) error {
	if outOfRange(out, "metric", e.JobID, int64(e.Attempt), int64(e.Epoch), int64(e.Total)) {
		return nil
	}
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
		m.ClassIoU[cleanText(k)] = v
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
	summaries[e.JobID] = true
	out.Metrics[e.JobID] = append(out.Metrics[e.JobID], m)
	out.Jobs[e.JobID] = true
	return nil
}

// applyStatus records a status event: a transition when the status (or
// attempt) changes, and the job's current state. A late event of an older
// attempt, or anything after a terminal state, changes nothing.
func (d *DB) applyStatus(ctx context.Context, tx *sql.Tx, e jobproto.StatusEvent, out *AppliedEvents, summaries map[string]bool) error {
	code := int64(0)
	if e.ExitCode != nil {
		code = int64(*e.ExitCode)
	}
	if outOfRange(out, "status", e.JobID, int64(e.Attempt), e.Seq, code) {
		return nil
	}
	if !jobproto.ValidStatus(e.Status) { // only the spec's states, and CANCELLED
		out.Dropped = append(out.Dropped, fmt.Errorf("status event of job %q: %q is not a job state", cleanText(e.JobID), cleanText(e.Status)))
		return nil
	}
	var status string
	var attempt int
	// Locked until the batch commits: the app's FinishJob may end the job
	// meanwhile, and only one of the two may.
	err := tx.QueryRowContext(ctx, d.rebind(`SELECT status, attempt FROM training_jobs WHERE id = ?`+d.forUpdate()), e.JobID).Scan(&status, &attempt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if jobproto.Terminal(status) || e.Attempt < attempt {
		return nil
	}
	now := d.Now()
	// Text from an agent is stored cleaned, all of it: a NUL in a reason
	// would fail the batch at every redelivery on PostgreSQL.
	st, reason, worker := cleanText(e.Status), cleanText(e.Reason), cleanText(e.Worker)
	if st != status || e.Attempt != attempt {
		r, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO job_transitions (job_id, attempt, seq, status, reason, worker, at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, attempt, seq) DO NOTHING`),
			e.JobID, e.Attempt, e.Seq, st, reason, worker, e.Time.UTC())
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil // seen before
		}
	}
	diag, _ := json.Marshal(nonNilStrings(e.Diagnostics)) // JSON: a NUL is written \u0000
	errText := reason
	if st != jobproto.StatusFailed && st != jobproto.StatusCancelled {
		errText = ""
	}
	if len(e.Errors) > 0 {
		parts := make([]string, len(e.Errors))
		for i, fe := range e.Errors {
			parts[i] = cleanText(fe.Error())
		}
		errText = strings.Join(parts, "; ")
	}
	var exit any
	if e.ExitCode != nil {
		exit = *e.ExitCode
	}
	var finished any
	if jobproto.Terminal(st) {
		finished = e.Time.UTC()
	}
	_, err = tx.ExecContext(ctx, d.rebind(`UPDATE training_jobs SET status = ?, progress = ?, worker = ?, attempt = ?, error = ?,
		exit_code = ?, diagnostics = ?, started_at = COALESCE(started_at, ?), finished_at = ?, updated_at = ? WHERE id = ?`),
		st, e.Progress, worker, e.Attempt, errText, exit, string(diag), e.Time.UTC(), finished, now, e.JobID)
	if err != nil {
		return err
	}
	if e.Attempt > attempt {
		summaries[e.JobID] = true // a new attempt: its own summary
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
	if err := checkText([]any{id, status}); err != nil {
		return err
	}
	reason = cleanText(reason)
	now := d.Now()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var cur string
	var attempt int
	// Locked until the end, as applyStatus locks it: an agent's COMPLETED
	// cannot land between this check and the update, nor another FinishJob
	// take the same transition number.
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT status, attempt FROM training_jobs WHERE id = ?`+d.forUpdate()), id).Scan(&cur, &attempt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return backend.Errorf(backend.ENOTFOUND, "training job %s not found", id)
		}
		return err
	}
	if jobproto.Terminal(cur) {
		return backend.Errorf(backend.ECONFLICT, "training job %s has already ended (%s)", id, cur)
	}
	// The next number of the attempt: the lock keeps every other writer of
	// the job's transitions out until this commits (and the agent's
	// later events of an ended job store nothing).
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO job_transitions (job_id, attempt, seq, status, reason, worker, at)
		VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_transitions WHERE job_id = ? AND attempt = ?), ?, ?, 'app', ?)`),
		id, attempt, id, attempt, status, reason, now); err != nil {
		return wrapError(err)
	}
	errText := ""
	if status == jobproto.StatusFailed || status == jobproto.StatusCancelled {
		errText = reason
	}
	r, err := tx.ExecContext(ctx, d.rebind(`UPDATE training_jobs SET status = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?`),
		status, errText, now, now, id)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return backend.Errorf(backend.ENOTFOUND, "training job %s not found", id)
	}
	return tx.Commit()
}
