package store

import (
	"context"
	"database/sql"
	"errors"
)

// Setting returns a stored setting and whether it was set.
func (d *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := d.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// SetSetting stores a setting, replacing any earlier value.
func (d *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := d.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, d.Now())
	return err
}
