package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestListeningBrokerChecksToken(t *testing.T) {
	b := startBroker(t, Config{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", Token: testToken})
	ctx := testCtx(t)
	url := b.ClientURL()
	if !strings.HasPrefix(url, "nats://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("ClientURL = %q", url)
	}

	nc, err := Connect(ctx, url, testToken, "test-agent")
	if err != nil {
		t.Fatalf("Connect with the right token: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := js.Publish(ctx, JobSubject("1"), []byte("job"), jetstream.WithMsgID("1"))
	if err != nil {
		t.Fatalf("publish over TCP: %v", err)
	}
	if ack.Stream != StreamJobs {
		t.Errorf("stored in %q", ack.Stream)
	}

	for _, token := range []string{"wrong-token-0123456789", ""} {
		nc, err := Connect(ctx, url, token, "intruder")
		if err == nil {
			nc.Close()
			t.Errorf("Connect with token %q succeeded", token)
			continue
		}
		if !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), "broker refused the token") {
			t.Errorf("Connect with token %q: %v, want ErrTokenRefused", token, err)
		}
	}
}

func TestListenOnAllInterfaces(t *testing.T) {
	b := startBroker(t, Config{StoreDir: t.TempDir(), Listen: ":0", Token: testToken})
	if !strings.HasPrefix(b.ClientURL(), "nats://127.0.0.1:") {
		t.Errorf("ClientURL = %q", b.ClientURL())
	}
	nc, err := Connect(testCtx(t), b.ClientURL(), testToken, "test-agent")
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}

func TestConnectUnreachable(t *testing.T) {
	_, err := Connect(testCtx(t), "nats://127.0.0.1:1", testToken, "agent")
	if err == nil || errors.Is(err, ErrTokenRefused) {
		t.Errorf("Connect to a closed port: %v", err)
	}
}

// When the remote clients are agents, the token gives an agent's rights:
// what an agent does works, submitting jobs or wrecking the shared streams
// does not (the server says so). The app's own connection keeps every right.
func TestAgentsGetAnAgentsRights(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	b := startBroker(t, Config{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", Token: testToken, AgentsOnly: true,
		Logf: func(f string, a ...any) { mu.Lock(); logged = append(logged, fmt.Sprintf(f, a...)); mu.Unlock() }})
	ctx := testCtx(t)
	nc, err := Connect(ctx, b.ClientURL(), testToken, "test-agent", nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)

	// What an agent does.
	if _, err := js.Publish(ctx, "tessera.job.7.status", []byte(`{"job_id":"7"}`)); err != nil {
		t.Errorf("an agent publishing an event: %v", err)
	}
	kv, err := js.KeyValue(ctx, BucketWorkers)
	if err == nil {
		_, err = kv.Put(ctx, "box", []byte("{}"))
	}
	if err != nil {
		t.Errorf("an agent's heartbeat: %v", err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, StreamJobs, jetstream.ConsumerConfig{Durable: "pool-default",
		FilterSubject: "tessera.jobs.pool.default.>", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Errorf("an agent's consumer on JOBS: %v", err)
	}
	if obs, err := js.ObjectStore(ctx, BucketArtifacts); err != nil {
		t.Errorf("the artifacts bucket: %v", err)
	} else if _, err := obs.PutBytes(ctx, "jobs/7/models/a.bin", []byte("w")); err != nil {
		t.Errorf("an agent's upload: %v", err)
	}
	sets, err := js.ObjectStore(ctx, BucketTrainingSets)
	if err != nil {
		t.Fatalf("the training sets bucket: %v", err)
	}

	// What it may not: each refused by the server.
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}
	var refusedErr []error
	_, err = js.Publish(short(), JobSubject("8"), []byte("job"))
	refusedErr = append(refusedErr, err)
	if st, err := js.Stream(ctx, StreamJobs); err != nil {
		t.Errorf("stream info of JOBS: %v", err)
	} else {
		refusedErr = append(refusedErr, st.Purge(short()))
	}
	refusedErr = append(refusedErr, js.DeleteStream(short(), StreamEvents))
	_, err = js.Consumer(short(), StreamEvents, "app-ingest")
	refusedErr = append(refusedErr, err)
	_, err = sets.PutBytes(short(), "set-1", []byte("tar"))
	refusedErr = append(refusedErr, err)
	for i, err := range refusedErr {
		if err == nil {
			t.Errorf("refused call %d succeeded", i)
		}
	}
	mu.Lock()
	all := strings.Join(logged, "\n")
	mu.Unlock()
	for _, subject := range []string{`"tessera.jobs.8"`, `"$JS.API.STREAM.PURGE.JOBS"`, `"$JS.API.STREAM.DELETE.EVENTS"`,
		`"$JS.API.CONSUMER.INFO.EVENTS.app-ingest"`, `"$O.trainingsets.`} {
		if !strings.Contains(all, "Publish Violation - Subject "+subject) {
			t.Errorf("the server did not refuse %s; its log:\n%s", subject, all)
		}
	}

	// The app's own connection may.
	if _, err := b.JetStream().Publish(ctx, JobSubject("9"), []byte("job")); err != nil {
		t.Errorf("the app submitting a job: %v", err)
	}
}
