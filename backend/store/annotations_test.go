package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/store"
)

// Saves of one tile from the same revision, at the same moment: one wins,
// the others are told to reload (on PostgreSQL each transaction reads the
// old revision before any commits).
func TestConcurrentSavesOfOneRevisionOneWins(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB, _ string) {
		p := &backend.Project{Name: "Cells"}
		if err := db.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		m := &backend.Image{ProjectID: p.ID, Name: "a.png", File: "a.png", Format: "png", Width: 10, Height: 10,
			SHA256: "00", TilePrefix: "a", TileSize: 512, State: "ready"}
		if err := db.CreateImage(ctx, m); err != nil {
			t.Fatal(err)
		}
		save := func(base int64, who string) (int64, error) {
			return db.SaveAnnotation(ctx, &backend.Annotation{ProjectID: p.ID, TileName: "a_r000_c000.png", ImageID: m.ID,
				Labels: 1, Classes: "{}", EditedBy: who}, base, 1)
		}
		for round, base := range []int64{0, 1} { // the first save inserts the row, the next updates it
			const n = 8
			var wg sync.WaitGroup
			errs := make([]error, n)
			revs := make([]int64, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					revs[i], errs[i] = save(base, "user")
				}()
			}
			wg.Wait()
			won := 0
			for i, err := range errs {
				switch {
				case err == nil:
					won++
					if revs[i] != base+1 {
						t.Errorf("round %d: the winner got revision %d, want %d", round, revs[i], base+1)
					}
				case backend.ErrorCode(err) != backend.ECONFLICT:
					t.Errorf("round %d: a losing save failed with %v, want a conflict", round, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d of %d saves of revision %d succeeded, want exactly 1", round, won, n, base)
			}
		}
	})
}
