package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tessera-lab/tessera/backend"
)

// LabelSchema returns a project's label schema JSON ("" when none was set).
func (d *DB) LabelSchema(ctx context.Context, projectID int64) (string, error) {
	var s string
	err := d.queryRow(ctx, `SELECT label_schema FROM projects WHERE id = ?`, projectID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", backend.Errorf(backend.ENOTFOUND, "project %d not found", projectID)
	}
	return s, err
}

// SetLabelSchema stores a project's label schema JSON.
func (d *DB) SetLabelSchema(ctx context.Context, projectID int64, schema string) error {
	_, err := d.exec(ctx, `UPDATE projects SET label_schema = ?, updated_at = ? WHERE id = ?`, schema, d.Now(), projectID)
	return err
}

// FindAnnotation returns a tile's annotation record, or a zero record
// (revision 0) when the tile has never been labelled.
func (d *DB) FindAnnotation(ctx context.Context, projectID int64, tile string) (*backend.Annotation, error) {
	a := &backend.Annotation{ProjectID: projectID, TileName: tile}
	var complete int
	err := d.queryRow(ctx, `SELECT image_id, revision, labels, complete, classes, edited_by, updated_at
		FROM annotations WHERE project_id = ? AND tile_name = ?`, projectID, tile).
		Scan(&a.ImageID, &a.Revision, &a.Labels, &complete, &a.Classes, &a.EditedBy, &a.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	a.Complete, a.UpdatedAt = complete != 0, a.UpdatedAt.UTC()
	return a, err
}

// SaveAnnotation records a save of a tile's labels if baseRevision is the
// stored revision (ECONFLICT otherwise), adds the editor's time, and
// returns the new revision.
func (d *DB) SaveAnnotation(ctx context.Context, a *backend.Annotation, baseRevision int64, seconds float64) (int64, error) {
	if err := checkText([]any{a.TileName, a.Labels, a.Classes, a.EditedBy}); err != nil {
		return 0, err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var cur int64
	err = tx.QueryRowContext(ctx, d.rebind(`SELECT revision FROM annotations WHERE project_id = ? AND tile_name = ?`),
		a.ProjectID, a.TileName).Scan(&cur)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if cur != baseRevision {
		return 0, backend.Errorf(backend.ECONFLICT, "tile %s was saved by someone else meanwhile (revision %d, yours was %d): reload it", a.TileName, cur, baseRevision)
	}
	complete := 0
	if a.Complete {
		complete = 1
	}
	now := d.Now()
	stale := backend.Errorf(backend.ECONFLICT, "tile %s was saved by someone else meanwhile (yours was revision %d): reload it", a.TileName, baseRevision)
	if exists {
		// Only if the row is still at cur: under PostgreSQL's read committed
		// another save may have moved it since the SELECT.
		var res sql.Result
		res, err = tx.ExecContext(ctx, d.rebind(`UPDATE annotations SET image_id = ?, revision = revision + 1, labels = ?, complete = ?, classes = ?,
			edited_by = ?, updated_at = ? WHERE project_id = ? AND tile_name = ? AND revision = ?`),
			a.ImageID, a.Labels, complete, a.Classes, a.EditedBy, now, a.ProjectID, a.TileName, cur)
		if err == nil {
			if n, _ := res.RowsAffected(); n != 1 {
				return 0, stale
			}
		}
	} else {
		_, err = tx.ExecContext(ctx, d.rebind(`INSERT INTO annotations (project_id, tile_name, image_id, revision, labels, complete,
			classes, edited_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			a.ProjectID, a.TileName, a.ImageID, cur+1, a.Labels, complete, a.Classes, a.EditedBy, now)
		if errors.Is(wrapError(err), errUnique) {
			return 0, stale
		}
	}
	if err != nil {
		return 0, wrapError(err)
	}
	if seconds > 0 && a.EditedBy != "" {
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO annotation_time (project_id, tile_name, user_name, seconds) VALUES (?, ?, ?, ?)
			ON CONFLICT (project_id, tile_name, user_name) DO UPDATE SET seconds = annotation_time.seconds + excluded.seconds`),
			a.ProjectID, a.TileName, a.EditedBy, seconds); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	a.Revision, a.UpdatedAt = cur+1, now
	return cur + 1, nil
}

// FindAnnotations returns every annotation record of a project.
func (d *DB) FindAnnotations(ctx context.Context, projectID int64) ([]*backend.Annotation, error) {
	rows, err := d.query(ctx, `SELECT tile_name, image_id, revision, labels, complete, classes, edited_by, updated_at
		FROM annotations WHERE project_id = ? ORDER BY tile_name`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []*backend.Annotation
	for rows.Next() {
		a := &backend.Annotation{ProjectID: projectID}
		var complete int
		if err := rows.Scan(&a.TileName, &a.ImageID, &a.Revision, &a.Labels, &complete, &a.Classes, &a.EditedBy, &a.UpdatedAt); err != nil {
			return nil, err
		}
		a.Complete, a.UpdatedAt = complete != 0, a.UpdatedAt.UTC()
		as = append(as, a)
	}
	return as, rows.Err()
}

// AnnotationTime returns, per person, the tiles they edited and their seconds.
func (d *DB) AnnotationTime(ctx context.Context, projectID int64) ([]backend.UserEffort, error) {
	rows, err := d.query(ctx, `SELECT user_name, COUNT(*), SUM(seconds) FROM annotation_time
		WHERE project_id = ? GROUP BY user_name ORDER BY user_name`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	us := []backend.UserEffort{}
	for rows.Next() {
		var u backend.UserEffort
		if err := rows.Scan(&u.User, &u.Tiles, &u.Seconds); err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// ImageTileCounts returns each image of a project with its tile count.
func (d *DB) ImageTileCounts(ctx context.Context, projectID int64) ([]backend.ImageProgress, error) {
	rows, err := d.query(ctx, `SELECT i.id, i.name, (SELECT COUNT(*) FROM tiles t WHERE t.image_id = i.id)
		FROM images i WHERE i.project_id = ? ORDER BY i.id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ps := []backend.ImageProgress{}
	for rows.Next() {
		var p backend.ImageProgress
		if err := rows.Scan(&p.ImageID, &p.Name, &p.Tiles); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// FindTileByName returns a project's tile by its file name, or ENOTFOUND.
func (d *DB) FindTileByName(ctx context.Context, projectID int64, name string) (*backend.Tile, error) {
	t, err := scanTile(d.queryRow(ctx, `SELECT t.id, t.image_id, t.tile_row, t.tile_col, t.x, t.y, t.width, t.height, t.name
		FROM tiles t JOIN images i ON i.id = t.image_id WHERE i.project_id = ? AND t.name = ?`, projectID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.ENOTFOUND, "no tile named %s", name)
	}
	return t, err
}

// FindTileAt returns the tile of an image at a row and column, or nil.
func (d *DB) FindTileAt(ctx context.Context, imageID int64, row, col int) (*backend.Tile, error) {
	t, err := scanTile(d.queryRow(ctx, `SELECT `+tileColumns+` FROM tiles WHERE image_id = ? AND tile_row = ? AND tile_col = ?`, imageID, row, col))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, err
}
