package broker

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Dial connects the app to an outside broker (a NATS cluster, or a
// gpuagent --listen box) in place of starting its own, and creates or
// updates the streams and buckets there as Start does. The token is that
// broker's; it must allow what the app does (a gpuagent-hosted broker's
// token allows everything). The connection reconnects for ever; Close
// drains it and leaves the broker running. lockDir is the app's own store
// dir, locked as Start locks it: an app on a shared broker still runs once
// per data folder.
func Dial(ctx context.Context, url, token, lockDir string) (*Broker, error) {
	if err := os.MkdirAll(lockDir, 0o700); err != nil {
		return nil, fmt.Errorf("broker store dir: %w", err)
	}
	lock, err := lockStoreDir(lockDir)
	if err != nil {
		return nil, err
	}
	b, err := dial(ctx, url, token)
	if err != nil {
		lock.release()
		return nil, err
	}
	b.lock = lock
	return b, nil
}

func dial(ctx context.Context, url, token string) (*Broker, error) {
	b := &Broker{closed: make(chan struct{}), external: url}
	nc, err := Connect(ctx, url, token, "tessera-app",
		nats.DrainTimeout(drainTimeout),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }))
	if err != nil {
		return nil, err
	}
	b.nc = nc
	b.js, err = jetstream.New(nc)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = setupJetStream(sctx, b.js)
		cancel()
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("broker %s: jetstream setup: %w", url, err)
	}
	return b, nil
}

// External is the outside broker's URL this app dialled, "" for the
// app's own.
func (b *Broker) External() string { return b.external }
