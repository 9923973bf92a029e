package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/tessera-lab/tessera/backend"
)

const imageColumns = `id, project_id, name, file, format, width, height, bit_depth, channels, bytes, sha256,
	tile_prefix, tile_size, overlap, state, error, stretch, pyramid_tile_size, pyramid_levels, created_at, updated_at,
	(SELECT COUNT(*) FROM tiles t WHERE t.image_id = images.id)`

func scanImage(s interface{ Scan(...any) error }) (*backend.Image, error) {
	var m backend.Image
	var pts, plv int
	if err := s.Scan(&m.ID, &m.ProjectID, &m.Name, &m.File, &m.Format, &m.Width, &m.Height, &m.BitDepth, &m.Channels,
		&m.Bytes, &m.SHA256, &m.TilePrefix, &m.TileSize, &m.Overlap, &m.State, &m.Error, &m.Stretch, &pts, &plv,
		&m.CreatedAt, &m.UpdatedAt, &m.TilesCount); err != nil {
		return nil, err
	}
	if plv > 0 {
		m.Pyramid = &backend.Pyramid{TileSize: pts, Levels: plv, Format: "jpg"}
	}
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}

// CreateImage inserts m. A second image with the same content, file name or
// tile prefix in the project is ECONFLICT.
func (d *DB) CreateImage(ctx context.Context, m *backend.Image) error {
	now := d.Now()
	id, err := d.insertID(ctx, `INSERT INTO images (project_id, name, file, format, width, height, bit_depth, channels, bytes,
		sha256, tile_prefix, tile_size, overlap, state, error, stretch, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ProjectID, m.Name, m.File, m.Format, m.Width, m.Height, m.BitDepth, m.Channels, m.Bytes,
		m.SHA256, m.TilePrefix, m.TileSize, m.Overlap, m.State, m.Error, m.Stretch, now, now)
	if err != nil {
		return conflict(err, "image %q is already in project %d", m.Name, m.ProjectID)
	}
	m.ID, m.CreatedAt, m.UpdatedAt = id, now, now
	return nil
}

// FindImageByID returns one image or ENOTFOUND.
func (d *DB) FindImageByID(ctx context.Context, id int64) (*backend.Image, error) {
	m, err := scanImage(d.queryRow(ctx, `SELECT `+imageColumns+` FROM images WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.ENOTFOUND, "image %d not found", id)
	}
	return m, err
}

// FindImageBySHA returns the project's image with the given content hash,
// or nil if there is none.
func (d *DB) FindImageBySHA(ctx context.Context, projectID int64, sha256 string) (*backend.Image, error) {
	return d.findImage(ctx, `sha256 = ?`, projectID, sha256)
}

// FindImageByFile returns the project's image whose original is named file
// in input_images/, or nil if there is none.
func (d *DB) FindImageByFile(ctx context.Context, projectID int64, file string) (*backend.Image, error) {
	return d.findImage(ctx, `file = ?`, projectID, file)
}

func (d *DB) findImage(ctx context.Context, cond string, projectID int64, value string) (*backend.Image, error) {
	m, err := scanImage(d.queryRow(ctx, `SELECT `+imageColumns+` FROM images WHERE project_id = ? AND `+cond, projectID, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

// FindImages returns a page of a project's images, newest first, and the total.
func (d *DB) FindImages(ctx context.Context, projectID int64, offset, limit int) ([]*backend.Image, int, error) {
	var total int
	if err := d.queryRow(ctx, `SELECT COUNT(*) FROM images WHERE project_id = ?`, projectID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := d.query(ctx, `SELECT `+imageColumns+` FROM images WHERE project_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, projectID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	ms, err := scanImages(rows)
	return ms, total, err
}

// FindImagesInState returns every image in one of the states, oldest first.
func (d *DB) FindImagesInState(ctx context.Context, states ...string) ([]*backend.Image, error) {
	var all []*backend.Image
	for _, st := range states {
		rows, err := d.query(ctx, `SELECT `+imageColumns+` FROM images WHERE state = ? ORDER BY id`, st)
		if err != nil {
			return nil, err
		}
		ms, err := scanImages(rows)
		if err != nil {
			return nil, err
		}
		all = append(all, ms...)
	}
	return all, nil
}

func scanImages(rows *sql.Rows) ([]*backend.Image, error) {
	defer rows.Close()
	ms := []*backend.Image{}
	for rows.Next() {
		m, err := scanImage(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// TilePrefixTaken reports whether another image of the project uses prefix
// or one that differs from it only in case: their tiles would be the same
// files on a disk that ignores case (macOS, Windows). Case is folded here,
// in Go, rather than by SQL's lower(), which on SQLite folds ASCII only;
// folding keeps the number of characters, which narrows the rows read.
func (d *DB) TilePrefixTaken(ctx context.Context, projectID int64, prefix string) (bool, error) {
	rows, err := d.query(ctx, `SELECT tile_prefix FROM images WHERE project_id = ? AND length(tile_prefix) = ?`,
		projectID, utf8.RuneCountInString(prefix))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return false, err
		}
		if strings.EqualFold(p, prefix) {
			return true, nil
		}
	}
	return false, rows.Err()
}

// RenameImageFile records that an image's original is now named file in
// input_images/.
func (d *DB) RenameImageFile(ctx context.Context, id int64, file string) error {
	_, err := d.exec(ctx, `UPDATE images SET file = ?, updated_at = ? WHERE id = ?`, file, d.Now(), id)
	return wrapError(err)
}

// SetImageState records a state change and its reason ("" when none).
func (d *DB) SetImageState(ctx context.Context, id int64, state, reason string) error {
	_, err := d.exec(ctx, `UPDATE images SET state = ?, error = ?, updated_at = ? WHERE id = ?`, state, reason, d.Now(), id)
	return err
}

// FinishTiling stores what tiling found out about an image and its tiles,
// replacing any earlier tiles, in one transaction, and marks it ready.
func (d *DB) FinishTiling(ctx context.Context, m *backend.Image, tiles []backend.Tile) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	pts, plv := 0, 0
	if m.Pyramid != nil {
		pts, plv = m.Pyramid.TileSize, m.Pyramid.Levels
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE images SET format = ?, width = ?, height = ?, bit_depth = ?, channels = ?,
		stretch = ?, pyramid_tile_size = ?, pyramid_levels = ?, state = ?, error = '', updated_at = ? WHERE id = ?`),
		m.Format, m.Width, m.Height, m.BitDepth, m.Channels, m.Stretch, pts, plv, backend.ImageReady, d.Now(), m.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM tiles WHERE image_id = ?`), m.ID); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, d.rebind(`INSERT INTO tiles (image_id, tile_row, tile_col, x, y, width, height, name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, t := range tiles {
		if _, err := stmt.ExecContext(ctx, m.ID, t.Row, t.Col, t.X, t.Y, t.Width, t.Height, t.Name); err != nil {
			return wrapError(err)
		}
	}
	// Tiled again into fewer tiles (a larger tile size): the records of
	// tiles no longer there go, annotations and time spent, so progress
	// counts no more tiles than there are. Their label files stay on disk.
	gone := `SELECT tile_name FROM annotations WHERE image_id = ? AND tile_name NOT IN (SELECT name FROM tiles WHERE image_id = ?)`
	if err := d.lockAnnotations(ctx, tx, m.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM annotation_time
		WHERE project_id = (SELECT project_id FROM images WHERE id = ?) AND tile_name IN (`+gone+`)`), m.ID, m.ID, m.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM annotations WHERE image_id = ?
		AND tile_name NOT IN (SELECT name FROM tiles WHERE image_id = ?)`), m.ID, m.ID); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteImage removes an image's row, its tiles' and annotations' rows and
// the time spent labelling its tiles, in one transaction.
func (d *DB) DeleteImage(ctx context.Context, id int64) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The image row, then its annotations, before annotation_time: the
	// order a save takes them in (PostgreSQL would otherwise deadlock a
	// save racing the deletion).
	if _, err := tx.ExecContext(ctx, d.rebind(`SELECT id FROM images WHERE id = ?`+d.forUpdate()), id); err != nil {
		return err
	}
	if err := d.lockAnnotations(ctx, tx, id); err != nil {
		return err
	}
	// annotation_time is keyed by tile name, not image: the names are its
	// tiles' and its annotations' (a tile tiled away may still have one).
	if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM annotation_time
		WHERE project_id = (SELECT project_id FROM images WHERE id = ?)
		AND tile_name IN (SELECT name FROM tiles WHERE image_id = ? UNION SELECT tile_name FROM annotations WHERE image_id = ?)`),
		id, id, id); err != nil {
		return err
	}
	r, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM images WHERE id = ?`), id)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return backend.Errorf(backend.ENOTFOUND, "image %d not found", id)
	}
	return tx.Commit()
}

const tileColumns = `id, image_id, tile_row, tile_col, x, y, width, height, name`

func scanTile(s interface{ Scan(...any) error }) (*backend.Tile, error) {
	var t backend.Tile
	err := s.Scan(&t.ID, &t.ImageID, &t.Row, &t.Col, &t.X, &t.Y, &t.Width, &t.Height, &t.Name)
	return &t, err
}

// FindTiles returns a page of an image's tiles in row-major order, and the total.
func (d *DB) FindTiles(ctx context.Context, imageID int64, offset, limit int) ([]*backend.Tile, int, error) {
	var total int
	if err := d.queryRow(ctx, `SELECT COUNT(*) FROM tiles WHERE image_id = ?`, imageID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := d.query(ctx, `SELECT `+tileColumns+` FROM tiles WHERE image_id = ?
		ORDER BY tile_row, tile_col LIMIT ? OFFSET ?`, imageID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	ts := []*backend.Tile{}
	for rows.Next() {
		t, err := scanTile(rows)
		if err != nil {
			return nil, 0, err
		}
		ts = append(ts, t)
	}
	return ts, total, rows.Err()
}

// FindTileByID returns one tile or ENOTFOUND.
func (d *DB) FindTileByID(ctx context.Context, id int64) (*backend.Tile, error) {
	t, err := scanTile(d.queryRow(ctx, `SELECT `+tileColumns+` FROM tiles WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.ENOTFOUND, "tile %d not found", id)
	}
	return t, err
}

// ReplaceImageSource records that an image's original was rewritten in
// place: its new hash and header, queued to be tiled again.
func (d *DB) ReplaceImageSource(ctx context.Context, m *backend.Image) error {
	_, err := d.exec(ctx, `UPDATE images SET sha256 = ?, bytes = ?, format = ?, width = ?, height = ?, bit_depth = ?, channels = ?,
		state = ?, error = '', updated_at = ? WHERE id = ?`,
		m.SHA256, m.Bytes, m.Format, m.Width, m.Height, m.BitDepth, m.Channels, backend.ImageQueued, d.Now(), m.ID)
	return conflict(err, "another image of the project has the same content as %s", m.File)
}

// AllTiles returns every tile of an image in row-major order.
func (d *DB) AllTiles(ctx context.Context, imageID int64) ([]*backend.Tile, error) {
	ts, _, err := d.FindTiles(ctx, imageID, 0, math.MaxInt32)
	return ts, err
}

// AllImages returns every image of a project, newest first.
func (d *DB) AllImages(ctx context.Context, projectID int64) ([]*backend.Image, error) {
	ms, _, err := d.FindImages(ctx, projectID, 0, math.MaxInt32)
	return ms, err
}

// lockAnnotations locks an image's annotations rows (PostgreSQL; SQLite's
// transactions are serial) ahead of annotation_time, in the order
// SaveAnnotation takes them.
func (d *DB) lockAnnotations(ctx context.Context, tx *sql.Tx, imageID int64) error {
	_, err := tx.ExecContext(ctx, d.rebind(`SELECT tile_name FROM annotations WHERE image_id = ?`+d.forUpdate()), imageID)
	return err
}
