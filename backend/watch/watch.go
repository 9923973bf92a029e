// Package watch reports files that settle in, or vanish from, a set of
// folders: fsnotify events, debounced until a file's size and time stop
// changing, with hidden and temporary files ignored.
package watch

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watcher calls OnFile once a new or rewritten file has settled and
// OnRemove when a file is removed or renamed away.
type Watcher struct {
	OnFile   func(path string)
	OnRemove func(path string)
	// Settle is how long a file must stay unchanged (size and mtime)
	// before OnFile; copies in progress are waited out.
	Settle time.Duration
	Logf   func(format string, args ...any)

	fw      *fsnotify.Watcher
	mu      sync.Mutex
	pending map[string]*pending
	done    chan struct{}
	wg      sync.WaitGroup
}

type pending struct {
	size  int64
	mtime time.Time
	timer *time.Timer
}

// New starts a watcher with no folders; Add folders to it.
func New(onFile, onRemove func(string)) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{OnFile: onFile, OnRemove: onRemove, Settle: 500 * time.Millisecond,
		Logf: func(string, ...any) {}, fw: fw, pending: map[string]*pending{}, done: make(chan struct{})}
	w.wg.Add(1)
	go w.loop()
	return w, nil
}

// Add watches dir (not its subfolders).
func (w *Watcher) Add(dir string) error { return w.fw.Add(dir) }

// Remove stops watching dir.
func (w *Watcher) Remove(dir string) error { return w.fw.Remove(dir) }

// Close stops the watcher; no callback runs after it returns.
func (w *Watcher) Close() error {
	close(w.done)
	err := w.fw.Close()
	w.wg.Wait()
	w.mu.Lock()
	for p, pd := range w.pending {
		pd.timer.Stop()
		delete(w.pending, p)
	}
	w.mu.Unlock()
	return err
}

// Ignored reports whether a file name is hidden or a temporary file of a
// copy, a download or an editor.
func Ignored(name string) bool {
	base := filepath.Base(name)
	lower := strings.ToLower(base)
	return strings.HasPrefix(base, ".") || strings.HasPrefix(base, "~") || strings.HasSuffix(base, "~") ||
		strings.HasSuffix(lower, ".tmp") || strings.HasSuffix(lower, ".part") ||
		strings.HasSuffix(lower, ".crdownload") || strings.HasSuffix(lower, ".download") ||
		strings.HasSuffix(lower, ".swp")
}

func (w *Watcher) loop() {
	defer w.wg.Done()
	for {
		select {
		case <-w.done:
			return
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			w.Logf("watch: %v", err)
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			if Ignored(ev.Name) {
				continue
			}
			switch {
			case ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename):
				w.forget(ev.Name)
				if w.OnRemove != nil {
					w.OnRemove(ev.Name)
				}
			case ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write):
				w.touch(ev.Name)
			}
		}
	}
}

func (w *Watcher) forget(path string) {
	w.mu.Lock()
	if pd := w.pending[path]; pd != nil {
		pd.timer.Stop()
		delete(w.pending, path)
	}
	w.mu.Unlock()
}

// touch (re)starts a file's settle timer.
func (w *Watcher) touch(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if pd := w.pending[path]; pd != nil {
		pd.timer.Reset(w.Settle)
		return
	}
	w.pending[path] = &pending{timer: time.AfterFunc(w.Settle, func() { w.check(path) })}
}

// check fires OnFile once the file is a regular file (not a link, which
// could lead out of the folder) whose size and mtime did not change over
// one more settle period.
func (w *Watcher) check(path string) {
	select {
	case <-w.done:
		return
	default:
	}
	fi, err := os.Lstat(path)
	w.mu.Lock()
	pd := w.pending[path]
	if pd == nil {
		w.mu.Unlock()
		return
	}
	if err != nil || !fi.Mode().IsRegular() {
		delete(w.pending, path)
		w.mu.Unlock()
		return
	}
	if fi.Size() != pd.size || !fi.ModTime().Equal(pd.mtime) {
		pd.size, pd.mtime = fi.Size(), fi.ModTime()
		pd.timer.Reset(w.Settle)
		w.mu.Unlock()
		return
	}
	delete(w.pending, path)
	w.mu.Unlock()
	if w.OnFile != nil {
		w.OnFile(path)
	}
}
