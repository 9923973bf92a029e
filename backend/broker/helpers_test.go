package broker

import (
	"context"
	"testing"
	"time"
)

const testToken = "0123456789abcdef-test"

// testCtx is a context that ends with the test or after 30s.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startBroker starts a broker and closes it when the test ends.
func startBroker(t *testing.T, cfg Config) *Broker {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	b, err := Start(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}
