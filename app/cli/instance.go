package cli

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"
	"sync/atomic"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/evaluate"
	"github.com/tessera-lab/tessera/backend/images"
	"github.com/tessera-lab/tessera/backend/projects"
	"github.com/tessera-lab/tessera/backend/store"
	"github.com/tessera-lab/tessera/backend/training"
	"github.com/tessera-lab/tessera/backend/watch"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu"
)

// Instance is one running Tessera: its data folder, database, services and,
// for the app and the server, its broker and API.
type Instance struct {
	Layout   backend.Layout
	DB       *store.DB
	Hub      *api.Hub
	Projects *projects.Service
	Auth     *auth.Service
	Images   *images.Service
	Labels   *annotate.Service
	Training *training.Service // nil for one-shot CLI commands
	Evaluate *evaluate.Service
	Broker   *broker.Broker // nil for one-shot CLI commands
	Logf     func(format string, args ...any)
	// StartRoute is the page the desktop window opens at ("" = projects).
	StartRoute string

	emitters       fanout
	watcher        *watch.Watcher
	backgroundCtx  context.Context
	stopBackground context.CancelFunc
	wg             sync.WaitGroup
	closeOnce      sync.Once
	closeErr       error
	closing        atomic.Bool
	idOnce         sync.Once
	id             string // appID
}

// quietWhenClosing drops the "context canceled" reports of background
// work that Close itself stops: a normal exit prints nothing.
func (i *Instance) quietWhenClosing(logf func(string, ...any)) func(string, ...any) {
	return func(format string, args ...any) {
		if i.closing.Load() {
			for _, a := range args {
				if err, ok := a.(error); ok && errors.Is(err, context.Canceled) {
					return
				}
			}
		}
		logf(format, args...)
	}
}

// open opens the data folder and the database. One-shot commands need no
// more, and must not start a broker beside a running app.
func open(ctx context.Context, c *common) (*Instance, error) {
	if c.data == "" {
		return nil, backend.Errorf(backend.EINVALID, "no data folder: give --data DIR or set TESSERA_DATA (there is no home folder to put it in)")
	}
	// Only its owner reads it: it holds the database (password hashes) and
	// every project's images and labels.
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	inst := &Instance{Layout: backend.Layout{Root: c.data}, Hub: api.NewHub()}
	inst.Logf = inst.quietWhenClosing(log.Printf)
	dsn := c.db
	if dsn == "" {
		dsn = inst.Layout.DBPath()
	} else if !store.IsPostgresDSN(dsn) {
		return nil, backend.Errorf(backend.EINVALID, "--db must be a postgres:// URL (SQLite lives in the data folder)")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	inst.DB = db
	inst.emitters.add(inst.Hub)
	inst.Projects = &projects.Service{Store: db, Layout: inst.Layout, Emitter: &inst.emitters}
	inst.Auth = auth.NewService(db)
	inst.Images = images.New(db, inst.Layout, &inst.emitters)
	inst.Images.Logf = inst.Logf
	inst.Projects.StopWork = inst.Images.StopProject // a deleted project's tilings stop first
	inst.Labels = &annotate.Service{Store: db, Layout: inst.Layout, Emitter: &inst.emitters}
	inst.Evaluate = &evaluate.Service{Store: db, Layout: inst.Layout, Load: loadModel, ModelFormat: cpu.ModelFormat, Emitter: &inst.emitters,
		Builder: &dataset.Builder{Store: db, Labels: inst.Labels, Layout: inst.Layout}}
	return inst, nil
}

// startBroker starts the embedded broker; listen "" opens no port.
func (i *Instance) startBroker(ctx context.Context, listen, token string) error {
	b, err := broker.Start(ctx, broker.Config{StoreDir: i.Layout.BrokerDir(), Listen: listen, Token: token, AgentsOnly: true, Logf: i.Logf})
	if err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	i.Broker = b
	return nil
}

// AddEmitter makes events reach e too (the desktop window).
func (i *Instance) AddEmitter(e backend.Emitter) { i.emitters.add(e) }

// APIHandler returns the API for a mode: desktop acts as the local admin,
// the server signs users in.
func (i *Instance) APIHandler(mode string) *api.Handler {
	cfg := api.Config{Projects: i.Projects, Images: i.Images, Labels: i.Labels, Training: i.Training, Evaluate: i.Evaluate, Hub: i.Hub, Mode: mode, Version: backend.Version, Logf: i.Logf}
	if mode == api.ModeDesktop {
		cfg.LocalUser = &backend.User{Name: "local", Role: backend.RoleAdmin}
	} else {
		cfg.Auth = i.Auth
	}
	return api.NewHandler(cfg)
}

// Close stops the broker (flushing JetStream) and closes the database. It
// is safe to call twice (the window's shutdown, then main's deferred Close).
func (i *Instance) Close() error {
	i.closeOnce.Do(func() { i.closeErr = i.close() })
	return i.closeErr
}

func (i *Instance) close() error {
	var errs []error
	if i.stopBackground != nil {
		i.closing.Store(true)
		i.stopBackground()
		errs = append(errs, i.watcher.Close())
		i.Images.Wait()
		i.wg.Wait()
	}
	if i.Broker != nil {
		errs = append(errs, i.Broker.Close())
	}
	if i.DB != nil {
		errs = append(errs, i.DB.Close())
	}
	return errors.Join(errs...)
}

// fanout is an Emitter list that grows while the app starts.
type fanout struct {
	mu   sync.RWMutex
	list backend.Emitters
}

func (f *fanout) add(e backend.Emitter) {
	f.mu.Lock()
	f.list = append(f.list, e)
	f.mu.Unlock()
}

func (f *fanout) Emit(e backend.Event) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	f.list.Emit(e)
}
