package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend/store"
	"github.com/tessera-lab/tessera/backend/store/storetest"
)

// eachDB runs fn once per database (storetest.Databases) with that
// database opened.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB, dsn string)) {
	for _, c := range storetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			db, err := store.Open(context.Background(), c.DSN)
			if err != nil {
				t.Fatalf("open %s: %v", c.Name, err)
			}
			t.Cleanup(func() { db.Close() })
			if !strings.EqualFold(string(db.Dialect()), c.Name) {
				t.Fatalf("dialect = %s, want %s", db.Dialect(), c.Name)
			}
			fn(t, db, c.DSN)
		})
	}
}
