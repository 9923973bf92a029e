ALTER TABLE projects ADD COLUMN tile_size INTEGER NOT NULL DEFAULT 512;
ALTER TABLE projects ADD COLUMN tile_overlap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN max_pixels BIGINT NOT NULL DEFAULT 0;

CREATE TABLE images (
    id                BIGSERIAL PRIMARY KEY,
    project_id        BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    file              TEXT NOT NULL,
    format            TEXT NOT NULL DEFAULT '',
    width             INTEGER NOT NULL DEFAULT 0,
    height            INTEGER NOT NULL DEFAULT 0,
    bit_depth         INTEGER NOT NULL DEFAULT 8,
    channels          INTEGER NOT NULL DEFAULT 3,
    bytes             BIGINT NOT NULL DEFAULT 0,
    sha256            TEXT NOT NULL,
    tile_prefix       TEXT NOT NULL,
    tile_size         INTEGER NOT NULL,
    overlap           INTEGER NOT NULL,
    state             TEXT NOT NULL,
    error             TEXT NOT NULL DEFAULT '',
    stretch           TEXT NOT NULL DEFAULT '',
    pyramid_tile_size INTEGER NOT NULL DEFAULT 0,
    pyramid_levels    INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (project_id, sha256),
    UNIQUE (project_id, file),
    UNIQUE (project_id, tile_prefix)
);
CREATE INDEX images_state ON images (state);

CREATE TABLE tiles (
    id       BIGSERIAL PRIMARY KEY,
    image_id BIGINT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    tile_row INTEGER NOT NULL,
    tile_col INTEGER NOT NULL,
    x        INTEGER NOT NULL,
    y        INTEGER NOT NULL,
    width    INTEGER NOT NULL,
    height   INTEGER NOT NULL,
    name     TEXT NOT NULL,
    UNIQUE (image_id, tile_row, tile_col)
);
