CREATE TABLE pipelines (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    worker     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX pipelines_project ON pipelines (project_id);

CREATE TABLE training_jobs (
    id           TEXT PRIMARY KEY,
    pipeline_id  TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    project_id   BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    progress     DOUBLE PRECISION NOT NULL DEFAULT 0,
    trainer      TEXT NOT NULL,
    target       TEXT NOT NULL,
    config       TEXT NOT NULL,
    worker       TEXT NOT NULL DEFAULT '',
    attempt      INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    exit_code    INTEGER,
    diagnostics  TEXT NOT NULL DEFAULT '[]',
    epoch        INTEGER NOT NULL DEFAULT 0,
    epochs       INTEGER NOT NULL DEFAULT 0,
    best_val_iou DOUBLE PRECISION,
    last_val_iou DOUBLE PRECISION,
    stream_seq   BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX training_jobs_project ON training_jobs (project_id);

CREATE TABLE job_transitions (
    job_id  TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    status  TEXT NOT NULL,
    reason  TEXT NOT NULL,
    worker  TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job_id, attempt, seq)
);

CREATE TABLE job_logs (
    job_id  TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    stream  TEXT NOT NULL,
    text    TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job_id, attempt, seq)
);

CREATE TABLE job_metrics (
    job_id     TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt    INTEGER NOT NULL,
    epoch      INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    train_loss DOUBLE PRECISION,
    train_iou  DOUBLE PRECISION,
    val_loss   DOUBLE PRECISION,
    val_iou    DOUBLE PRECISION,
    class_iou  TEXT NOT NULL DEFAULT '{}',
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job_id, attempt, epoch)
);

CREATE TABLE workers (
    name      TEXT PRIMARY KEY,
    info      TEXT NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL
);
