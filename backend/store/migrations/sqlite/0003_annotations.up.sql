ALTER TABLE projects ADD COLUMN label_schema TEXT NOT NULL DEFAULT '';

-- One row per labelled tile, keyed by the tile's file name (stable when an
-- image is tiled again); the label file in annotations/ is the truth.
CREATE TABLE annotations (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    tile_name  TEXT NOT NULL,
    image_id   INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    revision   INTEGER NOT NULL,
    labels     INTEGER NOT NULL,
    complete   INTEGER NOT NULL,
    classes    TEXT NOT NULL,
    edited_by  TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, tile_name)
);
CREATE INDEX annotations_image ON annotations (image_id);

-- Time spent per tile and person, as django-labeller's edit_time_elapsed.
CREATE TABLE annotation_time (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    tile_name  TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    seconds    REAL NOT NULL,
    PRIMARY KEY (project_id, tile_name, user_name)
);
