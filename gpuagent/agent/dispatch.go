package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// pollWait is how long one pull on the pool consumer waits for a job; the
// agent's own consumer is checked between pulls without waiting.
const pollWait = time.Second

// consumers creates or updates the agent's two durable pull consumers on
// JOBS: the pool's, shared with the pool's other agents, and its own.
func (a *agent) consumers(ctx context.Context) (pool, own jetstream.Consumer, err error) {
	base := jetstream.ConsumerConfig{
		AckPolicy:  jetstream.AckExplicitPolicy,
		AckWait:    a.cfg.AckWait,
		MaxDeliver: -1, // the agent enforces the job's MaxAttempts itself
	}
	pc := base
	pc.Durable = jobproto.PoolConsumer(a.cfg.Pool)
	pc.FilterSubject = jobproto.PoolFilter(a.cfg.Pool)
	pc.Description = "Tessera jobs for pool " + a.cfg.Pool
	// Shared by every agent of the pool: each limits itself to its Jobs.
	pc.MaxAckPending = -1
	oc := base
	oc.Durable = jobproto.WorkerConsumer(a.cfg.Name)
	oc.FilterSubject = jobproto.WorkerFilter(a.cfg.Name)
	oc.Description = "Tessera jobs for agent " + a.cfg.Name
	oc.MaxAckPending = a.cfg.Jobs
	if pool, err = a.js.CreateOrUpdateConsumer(ctx, broker.StreamJobs, pc); err != nil {
		return nil, nil, fmt.Errorf("consumer %s: %w", pc.Durable, err)
	}
	if own, err = a.js.CreateOrUpdateConsumer(ctx, broker.StreamJobs, oc); err != nil {
		return nil, nil, fmt.Errorf("consumer %s: %w", oc.Durable, err)
	}
	return pool, own, nil
}

// pull takes jobs while a slot is free, until ctx ends or the connection
// is lost. The agent's own consumer goes first: jobs sent to it by name
// are never taken by another agent.
func (a *agent) pull(ctx context.Context, own, pool jetstream.Consumer) error {
	slots := make(chan struct{}, a.cfg.Jobs)
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		case <-a.lost:
			return ErrConnectionClosed
		}
		msg, err := a.next(ctx, own, pool)
		if msg == nil {
			<-slots
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, nats.ErrConnectionClosed) || a.nc.IsClosed():
				return ErrConnectionClosed
			case err != nil:
				a.cfg.Logf("pull: %v", err)
				select { // the broker may be restarting: do not spin
				case <-time.After(pollWait):
				case <-ctx.Done():
				}
			}
			continue
		}
		if ctx.Err() != nil {
			// Taken as the agent stops: back to the queue at once.
			msg.Nak()
			<-slots
			return nil
		}
		a.jobs.Add(1)
		go func() {
			defer func() { <-slots; a.jobs.Done() }()
			a.handle(ctx, msg)
		}()
	}
}

// next returns the next job message, or nil when none came in pollWait.
func (a *agent) next(ctx context.Context, own, pool jetstream.Consumer) (jetstream.Msg, error) {
	if msg, err := fetchOne(own, true); msg != nil || err != nil || ctx.Err() != nil {
		return msg, err
	}
	return fetchOne(pool, false)
}

func fetchOne(c jetstream.Consumer, noWait bool) (jetstream.Msg, error) {
	var batch jetstream.MessageBatch
	var err error
	if noWait {
		batch, err = c.FetchNoWait(1)
	} else {
		batch, err = c.Fetch(1, jetstream.FetchMaxWait(pollWait))
	}
	if err != nil {
		return nil, err
	}
	for msg := range batch.Messages() {
		return msg, nil
	}
	return nil, batch.Error()
}
