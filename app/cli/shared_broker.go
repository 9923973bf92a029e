package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/training"
)

// An app can use an outside broker (--nats: a NATS cluster, or a shared
// GPU box's `gpuagent --listen`) in place of its own. Other apps may share
// that broker, so this app's ingest consumer and local worker carry an id
// of its own, and other apps' local workers are not offered here.

// natsFlags is --nats and --nats-token, defaulting to $TESSERA_NATS and
// $TESSERA_NATS_TOKEN.
type natsFlags struct{ url, token string }

func (n *natsFlags) fill(env Env) {
	if n.url == "" {
		n.url = env.Getenv("TESSERA_NATS")
	}
	if n.token == "" {
		n.token = env.Getenv("TESSERA_NATS_TOKEN")
	}
}

// connectBroker starts the app's own broker, or dials the outside one.
func (i *Instance) connectBroker(ctx context.Context, n natsFlags, listen, token string) error {
	if n.url == "" {
		return i.startBroker(ctx, listen, token)
	}
	if listen != "" {
		return backend.Errorf(backend.EINVALID, "--agents-listen and --nats do not go together: agents connect to the outside broker")
	}
	b, err := broker.Dial(ctx, n.url, n.token, i.Layout.BrokerDir())
	if err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	i.Broker = b
	return nil
}

// appID names this app on a shared broker: made at random once and kept
// in the app's broker folder, so lab PCs cloned from one disk image differ.
func (i *Instance) appID() string {
	i.idOnce.Do(func() {
		path := filepath.Join(i.Layout.BrokerDir(), "app-id")
		if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) == 12 {
			i.id = strings.TrimSpace(string(b))
			return
		}
		buf := make([]byte, 6)
		rand.Read(buf)
		i.id = hex.EncodeToString(buf)
		if err := os.WriteFile(path, []byte(i.id+"\n"), 0o600); err != nil {
			i.Logf("broker: keep this app's id: %v", err)
		}
	})
	return i.id
}

// localWorker is the name and pool of this app's in-process worker.
func (i *Instance) localWorker() string {
	if i.Broker == nil || i.Broker.External() == "" {
		return LocalWorker
	}
	return LocalWorker + "-" + i.appID()
}

// shareBroker sets the training service up for a broker other apps may
// share: its own ingest consumer, and only its own local worker.
func (i *Instance) shareBroker(t *training.Service) {
	if i.Broker.External() == "" {
		return
	}
	t.Consumer = training.IngestConsumer + "-" + i.appID()
	own := i.localWorker()
	t.HideWorker = func(name string) bool {
		return name != own && strings.HasPrefix(name, LocalWorker+"-")
	}
}
