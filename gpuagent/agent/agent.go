// Package agent is the training worker: it connects to a Tessera broker and
// (from the training-jobs work on) pulls jobs and runs trainers. The desktop
// app reuses it as its in-process CPU worker.
package agent

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/nats-io/nats.go"

	"github.com/tessera-lab/tessera/backend/broker"
)

// Config says where the agent connects and how it presents itself.
type Config struct {
	Broker  string // nats://host:4222
	Token   string
	Name    string
	Pool    string
	WorkDir string
	Logf    func(format string, args ...any)
}

// Defaults fills unset fields: the host name, the "default" pool.
func (c *Config) Defaults() {
	if c.Name == "" {
		c.Name, _ = os.Hostname()
	}
	if c.Pool == "" {
		c.Pool = "default"
	}
	if c.WorkDir == "" {
		c.WorkDir = os.TempDir()
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Run connects and stays connected until ctx ends. Job handling comes with
// the training-jobs issue; today the agent proves its token and its link.
func Run(ctx context.Context, cfg Config) error {
	cfg.Defaults()
	nc, err := broker.Connect(ctx, cfg.Broker, cfg.Token, "gpuagent "+cfg.Name,
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
	defer nc.Drain()
	cfg.Logf("agent %q (pool %s, %d CPU cores) connected to %s", cfg.Name, cfg.Pool, runtime.NumCPU(), nc.ConnectedUrl())
	<-ctx.Done()
	cfg.Logf("agent %q stopping", cfg.Name)
	return nil
}

// Usage is one line per flag, for --help.
func Usage() string {
	return fmt.Sprintf("gpuagent --broker nats://HOST:4222 --token T [--name N] [--pool P] [--workdir DIR]\n" +
		"gpuagent --listen :4222 --token T [--data DIR]   (also host the broker)\n")
}
