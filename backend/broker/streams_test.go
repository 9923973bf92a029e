package broker

import (
	"errors"
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

func TestStartCreatesStreamsAndBuckets(t *testing.T) {
	b := startBroker(t, Config{StoreDir: t.TempDir()})
	ctx := testCtx(t)
	js := b.JetStream()

	for _, want := range []jetstream.StreamConfig{jobsConfig(), eventsConfig()} {
		s, err := js.Stream(ctx, want.Name)
		if err != nil {
			t.Fatalf("stream %s: %v", want.Name, err)
		}
		got := s.CachedInfo().Config
		if !slices.Equal(got.Subjects, want.Subjects) || got.Retention != want.Retention ||
			got.Storage != jetstream.FileStorage || got.MaxAge != want.MaxAge {
			t.Errorf("stream %s: subjects %v retention %v storage %v max age %v",
				want.Name, got.Subjects, got.Retention, got.Storage, got.MaxAge)
		}
	}
	jobs, _ := js.Stream(ctx, StreamJobs)
	if cfg := jobs.CachedInfo().Config; cfg.Retention != jetstream.WorkQueuePolicy || cfg.Duplicates != JobDuplicateWindow {
		t.Errorf("JOBS: retention %v duplicates %v", cfg.Retention, cfg.Duplicates)
	}
	events, _ := js.Stream(ctx, StreamEvents)
	if cfg := events.CachedInfo().Config; cfg.Retention != jetstream.LimitsPolicy || cfg.MaxAge != EventMaxAge {
		t.Errorf("EVENTS: retention %v max age %v", cfg.Retention, cfg.MaxAge)
	}

	kv, err := js.KeyValue(ctx, BucketWorkers)
	if err != nil {
		t.Fatal(err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != WorkerTTL || st.History() != 1 || st.LimitMarkerTTL() != workerMarkerTTL {
		t.Errorf("workers: ttl %v history %d marker ttl %v", st.TTL(), st.History(), st.LimitMarkerTTL())
	}
	kvs, err := js.Stream(ctx, "KV_"+BucketWorkers)
	if err != nil {
		t.Fatal(err)
	}
	if s := kvs.CachedInfo().Config.Storage; s != jetstream.FileStorage {
		t.Errorf("workers storage = %v", s)
	}

	for _, name := range []string{BucketTrainingSets, BucketArtifacts} {
		obj, err := js.ObjectStore(ctx, name)
		if err != nil {
			t.Fatalf("object store %s: %v", name, err)
		}
		st, err := obj.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Storage() != jetstream.FileStorage {
			t.Errorf("object store %s storage = %v", name, st.Storage())
		}
	}
}

func TestDuplicateJobIDStoredOnce(t *testing.T) {
	b := startBroker(t, Config{StoreDir: t.TempDir()})
	ctx := testCtx(t)
	js := b.JetStream()

	for i, wantDup := range []bool{false, true} {
		ack, err := js.Publish(ctx, JobSubject("42"), []byte("job"), jetstream.WithMsgID("42"))
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		if ack.Duplicate != wantDup {
			t.Errorf("publish %d: duplicate = %v, want %v", i, ack.Duplicate, wantDup)
		}
	}
	s, err := js.Stream(ctx, StreamJobs)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("JOBS holds %d messages, want 1", info.State.Msgs)
	}
}

func TestEventsCapturesJobEvents(t *testing.T) {
	b := startBroker(t, Config{StoreDir: t.TempDir()})
	ctx := testCtx(t)
	js := b.JetStream()
	for _, kind := range []string{EventStatus, EventLog, EventMetric} {
		ack, err := js.Publish(ctx, EventSubject("42", kind), []byte(kind))
		if err != nil {
			t.Fatalf("publish %s: %v", kind, err)
		}
		if ack.Stream != StreamEvents {
			t.Errorf("%s stored in %s", kind, ack.Stream)
		}
	}
	// A cancel request is not stored anywhere.
	_, err := js.Publish(ctx, CancelSubject("42"), nil, jetstream.WithRetryAttempts(0))
	if !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Errorf("publish on the cancel subject: %v, want no stream to answer", err)
	}
}

func TestSubjects(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{JobSubject("12"), "tessera.jobs.12"},
		{EventSubject("12", EventStatus), "tessera.job.12.status"},
		{EventSubject("12", EventLog), "tessera.job.12.log"},
		{EventSubject("12", EventMetric), "tessera.job.12.metric"},
		{CancelSubject("12"), "tessera.job.12.cancel"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
