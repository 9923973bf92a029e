package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
)

// Defaults.
const (
	DefaultPool      = "default"
	DefaultAckWait   = 60 * time.Second
	DefaultHeartbeat = 15 * time.Second
	// DefaultKillGrace is how long a trainer has to exit after SIGTERM
	// before it gets SIGKILL (the trainer contract says 10 s).
	DefaultKillGrace = 10 * time.Second
	// DefaultMaxTrainingSet caps the bytes a training set extracts to.
	DefaultMaxTrainingSet int64 = 64 << 30
)

// Config says where the agent connects, how it presents itself and what it
// runs. Only Broker (or Conn) is required.
type Config struct {
	Broker string // nats://host:4222; unused when Conn is set
	Token  string
	// Conn, when set, is used instead of dialling Broker: the desktop app
	// runs its CPU worker in-process over its own connection. Run never
	// closes it.
	Conn *nats.Conn

	Name    string // agent name, one subject token; default: the host name
	Pool    string // worker pool; default "default"
	WorkDir string // job folders go here; default: the temp dir
	Jobs    int    // jobs run at once; default 1

	Trainers []Trainer

	AckWait   time.Duration // JetStream ack wait of the job consumers; default 60 s
	Heartbeat time.Duration // workers KV put interval; default 15 s
	KillGrace time.Duration // SIGTERM → SIGKILL; default 10 s
	// MaxTrainingSet caps the extracted size of a training set.
	MaxTrainingSet int64

	Logf func(format string, args ...any)
}

var hostChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// withDefaults fills unset fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		host, _ := os.Hostname()
		// "gpu-box.lab.local" → "gpu-box": a name is one subject token.
		host, _, _ = strings.Cut(host, ".")
		c.Name = strings.Trim(hostChars.ReplaceAllString(host, "-"), "-")
		if c.Name == "" {
			c.Name = "agent"
		}
	}
	if c.Pool == "" {
		c.Pool = DefaultPool
	}
	if c.WorkDir == "" {
		c.WorkDir = os.TempDir()
	}
	// Trainers run in their job folder: the paths they are given must not
	// be relative to the agent's.
	if abs, err := filepath.Abs(c.WorkDir); err == nil {
		c.WorkDir = abs
	}
	if c.Jobs <= 0 {
		c.Jobs = 1
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.Heartbeat > broker.WorkerTTL/2 {
		c.Heartbeat = broker.WorkerTTL / 4 // or the agent ages out between puts
	}
	if c.KillGrace <= 0 {
		c.KillGrace = DefaultKillGrace
	}
	if c.MaxTrainingSet <= 0 {
		c.MaxTrainingSet = DefaultMaxTrainingSet
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	var errs []error
	if err := jobproto.CheckToken("agent name", c.Name); err != nil {
		errs = append(errs, err)
	}
	if err := jobproto.CheckToken("pool", c.Pool); err != nil {
		errs = append(errs, err)
	}
	if c.Conn == nil && c.Broker == "" {
		errs = append(errs, errors.New("no broker URL"))
	}
	seen := map[string]bool{}
	for _, t := range c.Trainers {
		info := t.Info()
		if info.Name == "" || seen[info.Name] {
			errs = append(errs, fmt.Errorf("trainer %q: empty or given twice", info.Name))
		}
		seen[info.Name] = true
		if err := info.ConfigSchema.Check(); err != nil {
			errs = append(errs, fmt.Errorf("trainer %s: %w", info.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("agent config: %w", err)
	}
	return c, nil
}

func (c Config) trainer(name string) (Trainer, bool) {
	for _, t := range c.Trainers {
		if t.Info().Name == name {
			return t, true
		}
	}
	return nil, false
}

func (c Config) trainerNames() []string {
	names := make([]string, len(c.Trainers))
	for i, t := range c.Trainers {
		names[i] = t.Info().Name
	}
	return names
}
