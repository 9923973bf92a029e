package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/store"
)

// dbCase is one database a store test runs against.
type dbCase struct {
	name string
	dsn  string
}

var schemaSeq atomic.Int64

// databases returns a fresh SQLite file and, when TESSERA_TEST_POSTGRES holds
// a DSN, a fresh schema on that PostgreSQL server, each dropped after the test.
func databases(t *testing.T) []dbCase {
	t.Helper()
	cases := []dbCase{{"sqlite", filepath.Join(t.TempDir(), "tessera.db")}}
	base := os.Getenv("TESSERA_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but TESSERA_TEST_POSTGRES is empty: the PostgreSQL half of the store tests would be skipped")
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
	return append(cases, dbCase{"postgres", u.String()})
}

// eachDB runs fn once per database with that database opened.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB, dsn string)) {
	for _, c := range databases(t) {
		t.Run(c.name, func(t *testing.T) {
			db, err := store.Open(context.Background(), c.dsn)
			if err != nil {
				t.Fatalf("open %s: %v", c.name, err)
			}
			t.Cleanup(func() { db.Close() })
			if !strings.EqualFold(string(db.Dialect()), c.name) {
				t.Fatalf("dialect = %s, want %s", db.Dialect(), c.name)
			}
			fn(t, db, c.dsn)
		})
	}
}
