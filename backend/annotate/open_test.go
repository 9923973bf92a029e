package annotate

import (
	"testing"
	"time"
)

// One user marking many tiles open (a script looping over tile ids) counts
// for their few most recent ones: what others see, and what is kept, does
// not grow with it.
func TestOneUserHoldsAFewTilesOpenAtMost(t *testing.T) {
	var o openTiles
	now := time.Now()
	for id := range int64(10_000) {
		o.mark(id, "mallory", now.Add(time.Duration(id)*time.Millisecond))
	}
	later := now.Add(10 * time.Second)
	taken := o.openByOthers("ada", later)
	if len(taken) != maxOpenPerUser || !taken[9999] || taken[0] {
		t.Fatalf("%d tiles taken, want the last %d", len(taken), maxOpenPerUser)
	}
	if got := o.others(9999, "ada", later); len(got) != 1 || got[0] != "mallory" {
		t.Fatalf("others on the last tile: %v", got)
	}
	// Expired marks go at the next sweep.
	o.mark(1, "ada", later.Add(OpenFor+time.Minute))
	if len(o.byUser) != 1 {
		t.Fatalf("%d users kept after expiry, want 1", len(o.byUser))
	}
}
