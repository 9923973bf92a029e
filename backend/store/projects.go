package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tessera-lab/tessera/backend"
)

const projectColumns = `id, name, description, tile_size, tile_overlap, max_pixels, created_at, updated_at`

func scanProject(s interface{ Scan(...any) error }) (*backend.Project, error) {
	var p backend.Project
	if err := s.Scan(&p.ID, &p.Name, &p.Description, &p.TileSize, &p.TileOverlap, &p.MaxPixels, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// CreateProject inserts p and fills its ID and times. The name must be unique.
func (d *DB) CreateProject(ctx context.Context, p *backend.Project) error {
	now := d.Now()
	if p.TileSize == 0 {
		p.TileSize = backend.DefaultTileSize
	}
	id, err := d.insertID(ctx, `INSERT INTO projects (name, description, tile_size, tile_overlap, max_pixels, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.Name, p.Description, p.TileSize, p.TileOverlap, p.MaxPixels, now, now)
	if err != nil {
		return conflict(err, "a project named %q already exists", p.Name)
	}
	p.ID, p.CreatedAt, p.UpdatedAt = id, now, now
	return nil
}

// FindProjects returns every project, newest first.
func (d *DB) FindProjects(ctx context.Context) ([]*backend.Project, error) {
	rows, err := d.query(ctx, `SELECT `+projectColumns+` FROM projects ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ps := []*backend.Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// FindProjectByID returns one project or ENOTFOUND.
func (d *DB) FindProjectByID(ctx context.Context, id int64) (*backend.Project, error) {
	p, err := scanProject(d.queryRow(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.ENOTFOUND, "project %d not found", id)
	}
	return p, err
}

// UpdateProject changes the fields set in upd and returns the project. The
// read, the check of the tile size against the overlap (one may change
// without the other) and the write are one transaction, the row locked
// (PostgreSQL; SQLite's write transactions are serial): two edits at once
// keep each other's fields, and a project deleted meanwhile is ENOTFOUND.
func (d *DB) UpdateProject(ctx context.Context, id int64, upd backend.ProjectUpdate) (*backend.Project, error) {
	for _, s := range []*string{upd.Name, upd.Description} {
		if s != nil {
			if err := checkText([]any{*s}); err != nil {
				return nil, err
			}
		}
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := scanProject(tx.QueryRowContext(ctx, d.rebind(`SELECT `+projectColumns+` FROM projects WHERE id = ?`+d.forUpdate()), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.ENOTFOUND, "project %d not found", id)
	} else if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		p.Name = *upd.Name
	}
	if upd.Description != nil {
		p.Description = *upd.Description
	}
	if upd.TileSize != nil {
		p.TileSize = *upd.TileSize
	}
	if upd.TileOverlap != nil {
		p.TileOverlap = *upd.TileOverlap
	}
	if upd.MaxPixels != nil {
		p.MaxPixels = *upd.MaxPixels
	}
	if upd.TileSize != nil || upd.TileOverlap != nil {
		if err := backend.CheckTiling(p.TileSize, p.TileOverlap); err != nil {
			return nil, err
		}
	}
	p.UpdatedAt = d.Now()
	r, err := tx.ExecContext(ctx, d.rebind(`UPDATE projects SET name = ?, description = ?, tile_size = ?, tile_overlap = ?, max_pixels = ?,
		updated_at = ? WHERE id = ?`), p.Name, p.Description, p.TileSize, p.TileOverlap, p.MaxPixels, p.UpdatedAt, id)
	if err != nil {
		return nil, conflict(wrapError(err), "a project named %q already exists", p.Name)
	}
	if n, err := r.RowsAffected(); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, backend.Errorf(backend.ENOTFOUND, "project %d not found", id)
	}
	if err := tx.Commit(); err != nil {
		return nil, conflict(wrapError(err), "a project named %q already exists", p.Name)
	}
	return p, nil
}

// DeleteProject removes a project's row (and, through foreign keys, its
// children's) or returns ENOTFOUND.
func (d *DB) DeleteProject(ctx context.Context, id int64) error {
	r, err := d.exec(ctx, `DELETE FROM projects WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return backend.Errorf(backend.ENOTFOUND, "project %d not found", id)
	}
	return nil
}
