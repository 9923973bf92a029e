package broker

import (
	"errors"
	"strings"
	"testing"

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
