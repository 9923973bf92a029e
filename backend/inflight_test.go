package backend_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

// Work runs once per key; Stop cancels it with its cause and returns only
// when the work has ended.
func TestInflightStopsAndWaits(t *testing.T) {
	var f backend.Inflight[string]
	ctx, done, ok := f.Start(context.Background(), "job")
	if !ok {
		t.Fatal("the first start was refused")
	}
	if _, _, again := f.Start(context.Background(), "job"); again {
		t.Fatal("a second start of the same key was allowed")
	}
	cause := errors.New("deleted")
	ended := make(chan struct{})
	go func() {
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // finishing up
		close(ended)
		done()
	}()
	f.Stop("job", cause)
	select {
	case <-ended:
	default:
		t.Fatal("Stop returned before the work ended")
	}
	if context.Cause(ctx) != cause {
		t.Fatalf("cause %v", context.Cause(ctx))
	}
	if _, done, ok := f.Start(context.Background(), "job"); !ok {
		t.Fatal("the key is not free after the work ended")
	} else {
		done()
	}
	f.Stop("nothing", cause) // no work: returns at once
}
