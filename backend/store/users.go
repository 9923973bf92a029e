package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tessera-lab/tessera/backend"
)

// CreateUser inserts u with the given password hash and fills its ID.
func (d *DB) CreateUser(ctx context.Context, u *backend.User, passwordHash string) error {
	u.CreatedAt = d.Now()
	id, err := d.insertID(ctx, `INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)`,
		u.Name, string(u.Role), passwordHash, u.CreatedAt)
	if err != nil {
		return conflict(err, "a user named %q already exists", u.Name)
	}
	u.ID = id
	return nil
}

func scanUser(s interface{ Scan(...any) error }) (*backend.User, string, error) {
	var u backend.User
	var role, hash string
	if err := s.Scan(&u.ID, &u.Name, &role, &hash, &u.CreatedAt); err != nil {
		return nil, "", err
	}
	u.Role, u.CreatedAt = backend.Role(role), u.CreatedAt.UTC()
	return &u, hash, nil
}

// FindUserByName returns a user and their password hash, or ENOTFOUND.
func (d *DB) FindUserByName(ctx context.Context, name string) (*backend.User, string, error) {
	u, hash, err := scanUser(d.queryRow(ctx, `SELECT id, name, role, password_hash, created_at FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", backend.Errorf(backend.ENOTFOUND, "user %q not found", name)
	}
	return u, hash, err
}

// FindUsers returns every user by name.
func (d *DB) FindUsers(ctx context.Context) ([]*backend.User, error) {
	rows, err := d.query(ctx, `SELECT id, name, role, password_hash, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	us := []*backend.User{}
	for rows.Next() {
		u, _, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// CountUsers returns how many users exist.
func (d *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := d.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// SetUserPassword replaces a user's password hash and ends their sessions,
// in one transaction (serializable on PostgreSQL, as CreateSession's): a
// sign-in that checked the old password cannot keep a session.
func (d *DB) SetUserPassword(ctx context.Context, name, passwordHash string) error {
	return d.retried(func() error { return d.setUserPassword(ctx, name, passwordHash) })
}

func (d *DB) setUserPassword(ctx context.Context, name, passwordHash string) error {
	u, _, err := d.FindUserByName(ctx, name)
	if err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, d.serializable())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE users SET password_hash = ? WHERE id = ?`), passwordHash, u.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM sessions WHERE user_id = ?`), u.ID); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateSession records a session token's hash for a user, if the user's
// password hash is still checkedHash (the one the sign-in checked);
// EUNAUTHORIZED when it changed meanwhile.
func (d *DB) CreateSession(ctx context.Context, tokenHash string, userID int64, checkedHash string, expires time.Time) error {
	return d.retried(func() error { return d.createSession(ctx, tokenHash, userID, checkedHash, expires) })
}

func (d *DB) createSession(ctx context.Context, tokenHash string, userID int64, checkedHash string, expires time.Time) error {
	tx, err := d.db.BeginTx(ctx, d.serializable())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
		SELECT ?, id, ?, ? FROM users WHERE id = ? AND password_hash = ?`),
		tokenHash, d.Now(), expires.UTC(), userID, checkedHash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return backend.Errorf(backend.EUNAUTHORIZED, "the password changed while signing in: sign in again")
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Sessions that expired go as others sign in (an index finds them).
	// Outside the serializable transaction, so that two sign-ins at once
	// do not fail each other over the same old rows; a failure here
	// leaves them for the next sign-in.
	_, _ = d.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, d.Now())
	return nil
}

// serializable is PostgreSQL's serializable isolation (SQLite's write
// transactions are serial already).
func (d *DB) serializable() *sql.TxOptions {
	if d.dialect == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	return nil
}

// FindSessionUser returns the user of an unexpired session, or EUNAUTHORIZED.
func (d *DB) FindSessionUser(ctx context.Context, tokenHash string) (*backend.User, error) {
	u, _, err := scanUser(d.queryRow(ctx, `SELECT u.id, u.name, u.role, u.password_hash, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, d.Now()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.Errorf(backend.EUNAUTHORIZED, "session expired or unknown: sign in again")
	}
	return u, err
}

// DeleteSession ends one session.
func (d *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := d.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteUser removes a user and their sessions, in one transaction
// (serializable on PostgreSQL): ENOTFOUND for an unknown name, ECONFLICT
// when they are the last admin, so that two admins deleting each other at
// once cannot leave the server without one.
func (d *DB) DeleteUser(ctx context.Context, name string) error {
	return d.retried(func() error { return d.deleteUser(ctx, name) })
}

func (d *DB) deleteUser(ctx context.Context, name string) error {
	tx, err := d.db.BeginTx(ctx, d.serializable())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	var role string
	err = tx.QueryRowContext(ctx, d.rebind(`SELECT id, role FROM users WHERE name = ?`), name).Scan(&id, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return backend.Errorf(backend.ENOTFOUND, "user %q not found", name)
	} else if err != nil {
		return err
	}
	if backend.Role(role) == backend.RoleAdmin {
		var admins int
		if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM users WHERE role = ?`), role).Scan(&admins); err != nil {
			return err
		}
		if admins <= 1 {
			return backend.Errorf(backend.ECONFLICT, "%q is the last admin: make another admin before deleting this one", name)
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM sessions WHERE user_id = ?`), id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM users WHERE id = ?`), id); err != nil {
		return err
	}
	return tx.Commit()
}

// retried runs fn, a serializable transaction, again when PostgreSQL
// refuses it for a concurrent one (SQLSTATE 40001, its way of saying "try
// again"), a few times; then it is a conflict, not an internal error.
func (d *DB) retried(fn func() error) error {
	for range 5 {
		err := fn()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "40001" {
			return err
		}
	}
	return backend.Errorf(backend.ECONFLICT, "others changed the same accounts at the same moment: try again")
}
