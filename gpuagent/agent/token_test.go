package agent

import (
	"errors"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend/broker"
)

func TestWrongTokenIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	err := Run(testCtx(t), Config{Broker: e.b.ClientURL(), Token: "not-the-token-at-all", Name: "intruder"})
	if !errors.Is(err, broker.ErrTokenRefused) || !strings.Contains(err.Error(), "broker refused the token") {
		t.Fatalf("Run with a wrong token: %v", err)
	}
}

func TestConfigChecks(t *testing.T) {
	tests := []struct {
		cfg Config
		err string
	}{
		{Config{}, "no broker URL"},
		{Config{Broker: "nats://x", Name: "a.b"}, `agent name "a.b"`},
		{Config{Broker: "nats://x", Pool: "gpu pool"}, `pool "gpu pool"`},
		{Config{Broker: "nats://x", Trainers: []Trainer{ProcessTrainer{Path: "x"}}}, `trainer "": empty or given twice`},
	}
	for _, tt := range tests {
		if _, err := tt.cfg.withDefaults(); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%+v: %v, want %q", tt.cfg, err, tt.err)
		}
	}
	c, err := Config{Broker: "nats://x"}.withDefaults()
	if err != nil || c.Jobs != 1 || c.Pool != DefaultPool || c.AckWait != DefaultAckWait || c.KillGrace != DefaultKillGrace || c.Name == "" {
		t.Errorf("defaults %+v %v", c, err)
	}
}
