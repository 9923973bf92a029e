package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

// CreatePipeline inserts a pipeline.
func (d *DB) CreatePipeline(ctx context.Context, p *backend.Pipeline) error {
	p.CreatedAt = d.Now()
	_, err := d.exec(ctx, `INSERT INTO pipelines (id, name, project_id, worker, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.ProjectID, p.Worker, p.CreatedBy, p.CreatedAt)
	return conflict(err, "pipeline %s exists", p.ID)
}

// CreateJobInNewPipeline inserts a pipeline and its first job (as CreateJob)
// in one transaction: a job that cannot be recorded leaves no empty
// pipeline behind.
func (d *DB) CreateJobInNewPipeline(ctx context.Context, p *backend.Pipeline, j *backend.Job, reason string) error {
	if err := checkText([]any{p.ID, p.Name, p.Worker, p.CreatedBy}); err != nil {
		return err
	}
	p.CreatedAt = d.Now()
	return d.createJob(ctx, j, reason, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO pipelines (id, name, project_id, worker, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), p.ID, p.Name, p.ProjectID, p.Worker, p.CreatedBy, p.CreatedAt)
		return conflict(wrapError(err), "pipeline %s exists", p.ID)
	})
}

// FindPipeline returns a pipeline or ENOTFOUND.
func (d *DB) FindPipeline(ctx context.Context, id string) (*backend.Pipeline, error) {
	var p backend.Pipeline
	err := d.queryRow(ctx, `SELECT id, name, project_id, worker, created_by, created_at FROM pipelines WHERE id = ?`, id).
		Scan(&p.ID, &p.Name, &p.ProjectID, &p.Worker, &p.CreatedBy, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.ENOTFOUND, "pipeline %s not found", id)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, err
}

// FindPipelines returns a project's pipelines, newest first.
func (d *DB) FindPipelines(ctx context.Context, projectID int64) ([]*backend.Pipeline, error) {
	rows, err := d.query(ctx, `SELECT id, name, project_id, worker, created_by, created_at FROM pipelines
		WHERE project_id = ? ORDER BY created_at DESC`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ps := []*backend.Pipeline{}
	for rows.Next() {
		var p backend.Pipeline
		if err := rows.Scan(&p.ID, &p.Name, &p.ProjectID, &p.Worker, &p.CreatedBy, &p.CreatedAt); err != nil {
			return nil, err
		}
		p.CreatedAt = p.CreatedAt.UTC()
		ps = append(ps, &p)
	}
	return ps, rows.Err()
}

const jobColumns = `id, pipeline_id, project_id, status, progress, trainer, target, config, worker, attempt, error,
	exit_code, diagnostics, epoch, epochs, best_val_iou, last_val_iou, created_by, created_at, updated_at, started_at, finished_at`

func scanJob(s interface{ Scan(...any) error }) (*backend.Job, error) {
	var j backend.Job
	var cfg, diag string
	var exit sql.NullInt64
	var best, last sql.NullFloat64
	var started, finished sql.NullTime
	if err := s.Scan(&j.ID, &j.PipelineID, &j.ProjectID, &j.Status, &j.Progress, &j.Trainer, &j.Target, &cfg, &j.Worker,
		&j.Attempt, &j.Error, &exit, &diag, &j.Epoch, &j.Epochs, &best, &last, &j.CreatedBy, &j.CreatedAt, &j.UpdatedAt,
		&started, &finished); err != nil {
		return nil, err
	}
	j.Config = json.RawMessage(cfg)
	_ = json.Unmarshal([]byte(diag), &j.Diagnostics)
	if j.Diagnostics == nil {
		j.Diagnostics = []string{}
	}
	if exit.Valid {
		c := int(exit.Int64)
		j.ExitCode = &c
	}
	if best.Valid {
		j.BestValIoU = &best.Float64
	}
	if last.Valid {
		j.LastValIoU = &last.Float64
	}
	if started.Valid {
		t := started.Time.UTC()
		j.StartedAt = &t
	}
	if finished.Valid {
		t := finished.Time.UTC()
		j.FinishedAt = &t
	}
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	return &j, nil
}

// CreateJob inserts a job with its first transition (PENDING).
func (d *DB) CreateJob(ctx context.Context, j *backend.Job, reason string) error {
	return d.createJob(ctx, j, reason, nil)
}

// createJob inserts a job and its first transition after first, if set, in
// one transaction.
func (d *DB) createJob(ctx context.Context, j *backend.Job, reason string, first func(*sql.Tx) error) error {
	if err := checkText([]any{j.ID, j.PipelineID, j.Status, j.Trainer, j.Target, string(j.Config), j.CreatedBy, reason}); err != nil {
		return err
	}
	now := d.Now()
	j.CreatedAt, j.UpdatedAt = now, now
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if first != nil {
		if err := first(tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO training_jobs (id, pipeline_id, project_id, status, trainer, target, config,
		epochs, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		j.ID, j.PipelineID, j.ProjectID, j.Status, j.Trainer, j.Target, string(j.Config), j.Epochs, j.CreatedBy, now, now); err != nil {
		return wrapError(err)
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO job_transitions (job_id, attempt, seq, status, reason, worker, at)
		VALUES (?, 0, 0, ?, ?, '', ?)`), j.ID, j.Status, reason, now); err != nil {
		return err
	}
	return tx.Commit()
}

// FindJob returns a job or ENOTFOUND.
func (d *DB) FindJob(ctx context.Context, id string) (*backend.Job, error) {
	j, err := scanJob(d.queryRow(ctx, `SELECT `+jobColumns+` FROM training_jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.ENOTFOUND, "training job %s not found", id)
	}
	return j, err
}

// FindJobs returns a project's jobs (all projects' with projectID 0), newest first.
func (d *DB) FindJobs(ctx context.Context, projectID int64) ([]*backend.Job, error) {
	q, args := `SELECT `+jobColumns+` FROM training_jobs ORDER BY created_at DESC`, []any{}
	if projectID > 0 {
		q, args = `SELECT `+jobColumns+` FROM training_jobs WHERE project_id = ? ORDER BY created_at DESC`, []any{projectID}
	}
	rows, err := d.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	js := []*backend.Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		js = append(js, j)
	}
	return js, rows.Err()
}

// SetJobStreamSeq records the JOBS stream sequence of a job's message, so a
// pending job can be withdrawn.
func (d *DB) SetJobStreamSeq(ctx context.Context, id string, seq uint64) error {
	_, err := d.exec(ctx, `UPDATE training_jobs SET stream_seq = ? WHERE id = ?`, int64(seq), id)
	return err
}

// JobStreamSeq returns the JOBS stream sequence of a job's message.
func (d *DB) JobStreamSeq(ctx context.Context, id string) (uint64, error) {
	var seq int64
	err := d.queryRow(ctx, `SELECT stream_seq FROM training_jobs WHERE id = ?`, id).Scan(&seq)
	return uint64(seq), err
}

// DeleteJob removes a job and its transitions, logs and metrics.
func (d *DB) DeleteJob(ctx context.Context, id string) error {
	r, err := d.exec(ctx, `DELETE FROM training_jobs WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return backend.Errorf(backend.ENOTFOUND, "training job %s not found", id)
	}
	return nil
}

// JobTransitions returns a job's status history, oldest first.
func (d *DB) JobTransitions(ctx context.Context, id string) ([]backend.JobTransition, error) {
	rows, err := d.query(ctx, `SELECT status, reason, attempt, worker, at FROM job_transitions WHERE job_id = ? ORDER BY at, attempt, seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ts := []backend.JobTransition{}
	for rows.Next() {
		var t backend.JobTransition
		if err := rows.Scan(&t.Status, &t.Reason, &t.Attempt, &t.Worker, &t.Time); err != nil {
			return nil, err
		}
		t.Time = t.Time.UTC()
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// JobLogs returns a job's log lines after (attempt, seq), up to limit.
func (d *DB) JobLogs(ctx context.Context, id string, afterAttempt int, afterSeq int64, limit int) ([]backend.JobLogLine, error) {
	rows, err := d.query(ctx, `SELECT attempt, seq, stream, text, at FROM job_logs WHERE job_id = ?
		AND (attempt > ? OR (attempt = ? AND seq > ?)) ORDER BY attempt, seq LIMIT ?`, id, afterAttempt, afterAttempt, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ls := []backend.JobLogLine{}
	for rows.Next() {
		var l backend.JobLogLine
		if err := rows.Scan(&l.Attempt, &l.Seq, &l.Stream, &l.Text, &l.Time); err != nil {
			return nil, err
		}
		l.Time = l.Time.UTC()
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

// CountJobLogs returns how many log lines a job has.
func (d *DB) CountJobLogs(ctx context.Context, id string) (int, error) {
	var n int
	err := d.queryRow(ctx, `SELECT COUNT(*) FROM job_logs WHERE job_id = ?`, id).Scan(&n)
	return n, err
}

// JobMetrics returns a job's metrics by attempt and epoch.
func (d *DB) JobMetrics(ctx context.Context, id string) ([]backend.JobMetric, error) {
	rows, err := d.query(ctx, `SELECT attempt, epoch, total, train_loss, train_iou, val_loss, val_iou, class_iou, at
		FROM job_metrics WHERE job_id = ? ORDER BY attempt, epoch`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ms := []backend.JobMetric{}
	for rows.Next() {
		var m backend.JobMetric
		var tl, ti, vl, vi sql.NullFloat64
		var cls string
		if err := rows.Scan(&m.Attempt, &m.Epoch, &m.Total, &tl, &ti, &vl, &vi, &cls, &m.Time); err != nil {
			return nil, err
		}
		m.TrainLoss, m.TrainIoU, m.ValLoss, m.ValIoU = nullable(tl), nullable(ti), nullable(vl), nullable(vi)
		_ = json.Unmarshal([]byte(cls), &m.ClassIoU)
		m.Time = m.Time.UTC()
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

func nullable(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

// UpsertWorker remembers an agent's last heartbeat (info as JSON).
func (d *DB) UpsertWorker(ctx context.Context, name, info string, seen time.Time) error {
	_, err := d.exec(ctx, `INSERT INTO workers (name, info, last_seen) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET info = excluded.info, last_seen = excluded.last_seen`, name, info, seen.UTC())
	return err
}

// KnownWorkers returns every agent ever seen: name → info JSON and last seen.
func (d *DB) KnownWorkers(ctx context.Context) (map[string]string, map[string]time.Time, error) {
	rows, err := d.query(ctx, `SELECT name, info, last_seen FROM workers`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	infos, seen := map[string]string{}, map[string]time.Time{}
	for rows.Next() {
		var n, i string
		var t time.Time
		if err := rows.Scan(&n, &i, &t); err != nil {
			return nil, nil, err
		}
		infos[n], seen[n] = i, t.UTC()
	}
	return infos, seen, rows.Err()
}
