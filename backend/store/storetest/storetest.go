// Package storetest gives tests fresh databases: a SQLite file and, when
// TESSERA_TEST_POSTGRES holds a DSN, a schema of its own on that server, so
// that the same test runs on both dialects.
package storetest

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Case is one database a test runs against: Name is "sqlite" or
// "postgres", DSN what store.Open takes.
type Case struct {
	Name string
	DSN  string
}

var schemaSeq atomic.Int64

// Databases returns a fresh SQLite file and, when TESSERA_TEST_POSTGRES
// holds a DSN, a fresh schema on that PostgreSQL server, each dropped after
// the test. Under CI an empty TESSERA_TEST_POSTGRES fails the test rather
// than skip the PostgreSQL half silently.
func Databases(t testing.TB) []Case {
	t.Helper()
	cases := []Case{{"sqlite", filepath.Join(t.TempDir(), "tessera.db")}}
	base := os.Getenv("TESSERA_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but TESSERA_TEST_POSTGRES is empty: the PostgreSQL half of the database tests would be skipped")
		}
		return cases
	}
	schema := fmt.Sprintf("t%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema on TESSERA_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return append(cases, Case{"postgres", u.String()})
}
