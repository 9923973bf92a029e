package store

import (
	"context"
	"database/sql"
	"errors"
	"math"

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

// FindImage returns the project's image with the given content hash or file
// name, or nil if there is none.
func (d *DB) FindImage(ctx context.Context, projectID int64, sha256, file string) (*backend.Image, error) {
	m, err := scanImage(d.queryRow(ctx, `SELECT `+imageColumns+` FROM images
		WHERE project_id = ? AND (sha256 = ? OR file = ?) ORDER BY id LIMIT 1`, projectID, sha256, file))
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

// TilePrefixTaken reports whether another image of the project uses prefix.
func (d *DB) TilePrefixTaken(ctx context.Context, projectID int64, prefix string) (bool, error) {
	var n int
	err := d.queryRow(ctx, `SELECT COUNT(*) FROM images WHERE project_id = ? AND tile_prefix = ?`, projectID, prefix).Scan(&n)
	return n > 0, err
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
	return tx.Commit()
}

// DeleteImage removes an image's row and its tiles' rows.
func (d *DB) DeleteImage(ctx context.Context, id int64) error {
	r, err := d.exec(ctx, `DELETE FROM images WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return backend.Errorf(backend.ENOTFOUND, "image %d not found", id)
	}
	return nil
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
