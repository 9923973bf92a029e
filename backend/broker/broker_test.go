package broker

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)

	b, err := Start(ctx, Config{StoreDir: dir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	js := b.JetStream()
	if _, err := js.Publish(ctx, JobSubject("7"), []byte(`{"job":7}`), jetstream.WithMsgID("7")); err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, BucketWorkers)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "agent-1", []byte("alive")); err != nil {
		t.Fatal(err)
	}
	obj, err := js.ObjectStore(ctx, BucketTrainingSets)
	if err != nil {
		t.Fatal(err)
	}
	blob := []byte(strings.Repeat("tile", 100_000)) // several chunks
	if _, err := obj.PutBytes(ctx, "job-7.tar", blob); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	b = startBroker(t, Config{StoreDir: dir})
	js = b.JetStream()
	s, err := js.Stream(ctx, StreamJobs)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.GetLastMsgForSubject(ctx, JobSubject("7"))
	if err != nil {
		t.Fatalf("job after restart: %v", err)
	}
	if string(msg.Data) != `{"job":7}` {
		t.Errorf("job data = %q", msg.Data)
	}
	// The duplicate window survives the restart too.
	ack, err := js.Publish(ctx, JobSubject("7"), []byte(`{"job":7}`), jetstream.WithMsgID("7"))
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Duplicate {
		t.Error("job 7 republished after restart was not seen as a duplicate")
	}
	kv, err = js.KeyValue(ctx, BucketWorkers)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "agent-1")
	if err != nil {
		t.Fatalf("kv after restart: %v", err)
	}
	if string(e.Value()) != "alive" {
		t.Errorf("kv value = %q", e.Value())
	}
	obj, err = js.ObjectStore(ctx, BucketTrainingSets)
	if err != nil {
		t.Fatal(err)
	}
	got, err := obj.GetBytes(ctx, "job-7.tar")
	if err != nil {
		t.Fatalf("object after restart: %v", err)
	}
	if string(got) != string(blob) {
		t.Errorf("object: got %d bytes, want %d", len(got), len(blob))
	}
}

func TestSecondStartOnSameDirFails(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, Config{StoreDir: dir})

	start := time.Now()
	b2, err := Start(testCtx(t), Config{StoreDir: dir, Logf: t.Logf})
	if err == nil {
		b2.Close()
		t.Fatal("second Start on a store dir in use succeeded")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error = %v, want one saying the dir is in use", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second Start took %s to fail", d)
	}

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	startBroker(t, Config{StoreDir: dir}) // free again after Close
}

func TestInProcessOpensNoPort(t *testing.T) {
	b := startBroker(t, Config{StoreDir: t.TempDir()})
	if a := b.srv.Addr(); a != nil {
		t.Errorf("in-process broker listens on %s", a)
	}
	if b.Addr() != nil || b.ClientURL() != "" {
		t.Errorf("Addr = %v, ClientURL = %q; want nil and empty", b.Addr(), b.ClientURL())
	}
	if !b.Conn().IsConnected() {
		t.Error("in-process connection is not connected")
	}
}

func TestStartFailsFastWhenPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	dir := t.TempDir()
	start := time.Now()
	b, err := Start(testCtx(t), Config{StoreDir: dir, Listen: l.Addr().String(), Token: testToken})
	if err == nil {
		b.Close()
		t.Fatal("Start on a taken port succeeded")
	}
	t.Logf("error: %v", err)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to fail", d)
	}
	startBroker(t, Config{StoreDir: dir}) // the failed Start left no lock behind
}

func TestStartRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	for _, cfg := range []Config{
		{},
		{StoreDir: dir, Listen: "127.0.0.1:0"},
		{StoreDir: dir, Listen: "127.0.0.1:0", Token: "short"},
		{StoreDir: dir, Listen: "nonsense", Token: testToken},
		{StoreDir: dir, Listen: "127.0.0.1:99999", Token: testToken},
	} {
		b, err := Start(testCtx(t), cfg)
		if err == nil {
			b.Close()
			t.Errorf("Start(%+v) succeeded", cfg)
			continue
		}
		t.Logf("Start(listen %q, token %q): %v", cfg.Listen, cfg.Token, err)
	}
}

func TestStartHonoursCancelledContext(t *testing.T) {
	ctx := testCtx(t)
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	b, err := Start(ctx, Config{StoreDir: t.TempDir()})
	if err == nil {
		b.Close()
		t.Fatal("Start with a cancelled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}
