// Package store keeps Tessera's metadata in SQLite (desktop) or PostgreSQL
// (classroom server) through database/sql. Queries are written once with `?`
// placeholders and rebound for PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tessera-lab/tessera/backend"
)

// Dialect names the SQL flavour of an open database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Connection pool sizes.
const (
	sqliteConns   = 4
	postgresConns = 25
)

// DB is an open metadata database with its migrations applied.
type DB struct {
	db      *sql.DB
	dialect Dialect
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// IsPostgresDSN reports whether dsn names a PostgreSQL server rather than a
// SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens dsn — a postgres:// URL or the path of a SQLite file, created if
// missing — and applies every migration not yet recorded.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d := &DB{Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	var err error
	if IsPostgresDSN(dsn) {
		d.dialect = Postgres
		d.db, err = sql.Open("pgx", dsn)
	} else {
		d.dialect = SQLite
		d.db, err = sql.Open("sqlite", sqliteDSN(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if d.dialect == SQLite {
		// One writer at a time is SQLite's model; a small pool keeps readers
		// concurrent under WAL without piling up busy waits, and keeps its
		// connections open (each one's pragmas and page cache).
		d.db.SetMaxOpenConns(sqliteConns)
		d.db.SetMaxIdleConns(sqliteConns)
	} else {
		// A class of browsers and agents at once, within the server's
		// connection limit (100 by default) beside other clients; idle
		// connections are kept for the next burst, closed after a while.
		d.db.SetMaxOpenConns(postgresConns)
		d.db.SetMaxIdleConns(postgresConns)
		d.db.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := d.ping(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.dialect, err)
	}
	if err := d.migrate(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	return d, nil
}

// ping connects. A SQLite file just created, opened by two processes at
// once, may answer busy while one of them turns it to WAL (which waits for
// no busy timeout): tried again for a while.
func (d *DB) ping(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := d.db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// sqliteDSN sets the pragmas through the DSN so that every pooled connection
// has them, not only the first.
func sqliteDSN(path string) string {
	q := []string{
		"_pragma=foreign_keys(1)",
		"_pragma=busy_timeout(10000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_time_format=sqlite",
		"_txlock=immediate",
	}
	return "file:" + path + "?" + strings.Join(q, "&")
}

// Dialect returns the database's SQL flavour.
func (d *DB) Dialect() Dialect { return d.dialect }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// rebind turns `?` placeholders into `$1, $2…` for PostgreSQL.
func (d *DB) rebind(q string) string {
	if d.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// forUpdate locks the rows a SELECT in a transaction reads until it ends,
// on PostgreSQL; SQLite's transactions take the write lock as they begin
// (_txlock=immediate), so they are serial already.
func (d *DB) forUpdate() string {
	if d.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// exec, query and queryRow run a statement outside a transaction; a text
// argument holding NUL is refused before it reaches the database.
func (d *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	r, err := d.db.ExecContext(ctx, d.rebind(q), args...)
	return r, wrapError(err)
}

func (d *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, d.rebind(q), args...)
	return rows, wrapError(err)
}

// scanner is a row to scan: *sql.Row, *sql.Rows, or a refused query's error.
type scanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (d *DB) queryRow(ctx context.Context, q string, args ...any) scanner {
	if err := checkText(args); err != nil {
		return errRow{err}
	}
	return d.db.QueryRowContext(ctx, d.rebind(q), args...)
}

// checkText refuses text arguments holding NUL: PostgreSQL's text cannot
// store it (SQLSTATE 22021), and SQLite is held to the same rule, so that a
// name typed on the desktop is one the server takes. Such text comes from
// a request (a name, a job id in a URL): it is invalid, not an internal
// error. Text an agent reports is cleaned instead (cleanText).
func checkText(args []any) error {
	for _, a := range args {
		if s, ok := a.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return errNUL
		}
	}
	return nil
}

var errNUL = backend.Errorf(backend.EINVALID, "text must not contain NUL characters")

// cleanText makes text from outside (an agent's reasons, log lines) storable:
// no NUL, valid UTF-8.
func cleanText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// insertID runs an INSERT and returns the new row's id, with RETURNING on
// PostgreSQL (which has no LastInsertId) and LastInsertId on SQLite.
func (d *DB) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	if d.dialect == Postgres {
		var id int64
		err := d.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
		return id, wrapError(err)
	}
	r, err := d.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.LastInsertId()
}

// errUnique is wrapped by wrapError around unique-constraint violations;
// callers turn it into a message that names the field.
var errUnique = errors.New("unique constraint violated")

// wrapError maps driver errors onto the sentinels the store's callers test.
func wrapError(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return fmt.Errorf("%w: %v", errUnique, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %v", errUnique, err)
	}
	if errors.As(err, &pe) && pe.Code == "22021" { // NUL or not UTF-8: what checkText missed
		return backend.Errorf(backend.EINVALID, "text must be UTF-8 without NUL characters")
	}
	return err
}

// isDataError reports whether err is the database refusing a value (too
// long, out of range, not valid text) rather than failing.
func isDataError(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "22")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_TOOBIG || se.Code() == sqlite3.SQLITE_MISMATCH
	}
	return backend.ErrorCode(err) == backend.EINVALID
}

// conflict turns a unique violation into ECONFLICT with msg; other errors pass.
func conflict(err error, format string, args ...any) error {
	if errors.Is(err, errUnique) {
		return backend.Errorf(backend.ECONFLICT, format, args...)
	}
	return err
}
