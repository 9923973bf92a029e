package cli

import (
	"context"
	"os"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/watch"
)

// startBackground runs what the app and the server keep doing: the tiler
// and the watcher of every project's input_images/. Close stops them.
func (i *Instance) startBackground(ctx context.Context) error {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w, err := watch.New(func(p string) { i.Images.FileAppeared(bctx, p) }, func(p string) { i.Images.FileRemoved(bctx, p) })
	if err != nil {
		cancel()
		return err
	}
	w.Logf = i.Logf
	i.watcher, i.backgroundCtx, i.stopBackground = w, bctx, cancel
	i.Images.Go(bctx)

	ps, err := i.DB.FindProjects(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		i.watchProject(p.ID)
	}
	i.AddEmitter(emitterFunc(func(e backend.Event) {
		if e.Type == backend.EventProjectCreated {
			i.watchProject(e.ProjectID)
		}
	}))
	go func() { // files that came or went while Tessera was closed
		for _, p := range ps {
			i.Images.Rescan(bctx, p.ID)
		}
	}()
	return nil
}

func (i *Instance) watchProject(id int64) {
	dir := i.Layout.InputImagesDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		i.Logf("watch project %d: %v", id, err)
		return
	}
	if err := i.watcher.Add(dir); err != nil {
		i.Logf("watch project %d: %v", id, err)
	}
}

type emitterFunc func(backend.Event)

func (f emitterFunc) Emit(e backend.Event) { f(e) }
