CREATE TABLE pipelines (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    worker     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pipelines_project ON pipelines (project_id);

CREATE TABLE training_jobs (
    id           TEXT PRIMARY KEY,
    pipeline_id  TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    progress     REAL NOT NULL DEFAULT 0,
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
    best_val_iou REAL,
    last_val_iou REAL,
    stream_seq   INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP
);
CREATE INDEX training_jobs_project ON training_jobs (project_id);

CREATE TABLE job_transitions (
    job_id  TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    status  TEXT NOT NULL,
    reason  TEXT NOT NULL,
    worker  TEXT NOT NULL,
    at      TIMESTAMP NOT NULL,
    PRIMARY KEY (job_id, attempt, seq)
);

CREATE TABLE job_logs (
    job_id  TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    stream  TEXT NOT NULL,
    text    TEXT NOT NULL,
    at      TIMESTAMP NOT NULL,
    PRIMARY KEY (job_id, attempt, seq)
);

CREATE TABLE job_metrics (
    job_id     TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt    INTEGER NOT NULL,
    epoch      INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    train_loss REAL,
    train_iou  REAL,
    val_loss   REAL,
    val_iou    REAL,
    class_iou  TEXT NOT NULL DEFAULT '{}',
    at         TIMESTAMP NOT NULL,
    PRIMARY KEY (job_id, attempt, epoch)
);

CREATE TABLE workers (
    name      TEXT PRIMARY KEY,
    info      TEXT NOT NULL,
    last_seen TIMESTAMP NOT NULL
);
