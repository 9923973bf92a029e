package store

import "context"

// CountRows counts the rows of table, for tests to see what no method
// returns.
func (d *DB) CountRows(ctx context.Context, table string) (int, error) {
	var n int
	err := d.queryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
	return n, err
}
