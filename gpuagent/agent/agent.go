// Package agent is Tessera's training worker: it pulls training jobs from
// a broker, runs a trainer process for each, streams its log, metrics and
// status to EVENTS and puts its results in the artifacts bucket. The
// gpuagent binary runs it; the desktop app runs it in-process as its CPU
// worker. ../CONTRACT.md is the protocol it implements.
package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// ErrConnectionClosed is returned by Run when its connection was closed
// under it; the jobs it ran were abandoned and will be redelivered.
var ErrConnectionClosed = errors.New("agent: broker connection closed")

// agent is one running agent.
type agent struct {
	cfg       Config
	nc        *nats.Conn
	js        jetstream.JetStream
	sets      jetstream.ObjectStore
	artifacts jetstream.ObjectStore
	hb        *heartbeat

	// lost is closed when the connection is closed: jobs stop at once.
	lost chan struct{}
	jobs sync.WaitGroup
}

// Run connects (or uses cfg.Conn), advertises the agent in the workers
// bucket and runs jobs until ctx ends. Stopping lets the trainers of
// running jobs exit (SIGTERM, then SIGKILL after KillGrace) and gives
// their jobs back to the queue; Run returns nil once they are gone. It
// returns ErrConnectionClosed if cfg.Conn is closed under it.
func Run(ctx context.Context, cfg Config) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	nc := cfg.Conn
	if nc == nil {
		nc, err = broker.Connect(ctx, cfg.Broker, cfg.Token, "gpuagent "+cfg.Name,
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				if err != nil {
					cfg.Logf("disconnected from broker: %v", err)
				}
			}),
			nats.ReconnectHandler(func(nc *nats.Conn) { cfg.Logf("reconnected to %s", nc.ConnectedUrl()) }),
		)
		if err != nil {
			return err
		}
		defer nc.Close()
	}
	a := &agent{cfg: cfg, nc: nc, lost: make(chan struct{})}
	cfg.cleanResume(time.Now())
	if err := a.setup(ctx); err != nil {
		return err
	}
	return a.run(ctx)
}

func (a *agent) setup(ctx context.Context) error {
	var err error
	if a.js, err = jetstream.New(a.nc); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if a.sets, err = a.js.ObjectStore(ctx, broker.BucketTrainingSets); err != nil {
		return fmt.Errorf("object store %s: %w", broker.BucketTrainingSets, err)
	}
	if a.artifacts, err = a.js.ObjectStore(ctx, broker.BucketArtifacts); err != nil {
		return fmt.Errorf("object store %s: %w", broker.BucketArtifacts, err)
	}
	kv, err := a.js.KeyValue(ctx, broker.BucketWorkers)
	if err != nil {
		return fmt.Errorf("kv %s: %w", broker.BucketWorkers, err)
	}
	trainers := make([]jobproto.TrainerInfo, len(a.cfg.Trainers))
	for i, t := range a.cfg.Trainers {
		trainers[i] = t.Info()
	}
	a.hb = newHeartbeat(kv, jobproto.WorkerInfo{
		ID: randomID(), Name: a.cfg.Name, Pool: a.cfg.Pool,
		Hardware: detectHardware(ctx), Trainers: trainers, CurrentJobs: []string{},
		Slots: a.cfg.Jobs, Version: backend.Version, StartedAt: time.Now().UTC(),
	}, a.cfg.Logf)
	return nil
}

func (a *agent) run(ctx context.Context) error {
	closed := a.nc.StatusChanged(nats.CLOSED)
	defer a.nc.RemoveStatusListener(closed)
	if a.nc.IsClosed() {
		return ErrConnectionClosed
	}
	go func() {
		<-closed // CLOSED, or closed by RemoveStatusListener when Run ends
		if a.nc.IsClosed() {
			close(a.lost)
		}
	}()

	pool, own, err := a.consumers(ctx)
	if err != nil {
		return err
	}
	if err := a.hb.put(ctx); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	hbCtx, stopHB := context.WithCancel(ctx)
	go a.hb.run(hbCtx, a.cfg.Heartbeat)
	where := a.nc.ConnectedUrl()
	if where == "" { // the app's in-process connection
		where = "the app's own broker (in-process)"
	}
	a.cfg.Logf("agent %s (pool %s, %d job(s) at once, trainers %v) ready on %s",
		a.cfg.Name, a.cfg.Pool, a.cfg.Jobs, a.cfg.trainerNames(), where)

	err = a.pull(ctx, own, pool)
	a.jobs.Wait()
	stopHB()
	select {
	case <-a.lost:
		return ErrConnectionClosed
	default:
	}
	if herr := a.hb.remove(context.WithoutCancel(ctx)); herr != nil {
		a.cfg.Logf("heartbeat: remove: %v", herr)
	}
	a.cfg.Logf("agent %s stopped", a.cfg.Name)
	return err
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Usage is the command line, for --help.
func Usage() string {
	return "gpuagent --broker nats://HOST:4222 --token T [--name N] [--pool P] [--workdir DIR] [--jobs 1] [--trainer NAME=PATH]...\n" +
		"gpuagent --listen :4222 --token T [--data DIR] ...   (also host the broker)\n"
}
