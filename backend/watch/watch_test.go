package watch_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/watch"
)

type seen struct {
	mu             sync.Mutex
	files, removed []string
}

func (s *seen) snapshot() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.files...), append([]string(nil), s.removed...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSettledFilesAndRemovals(t *testing.T) {
	dir := t.TempDir()
	s := &seen{}
	w, err := watch.New(
		func(p string) { s.mu.Lock(); s.files = append(s.files, p); s.mu.Unlock() },
		func(p string) { s.mu.Lock(); s.removed = append(s.removed, p); s.mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Settle = 150 * time.Millisecond
	if err := w.Add(dir); err != nil {
		t.Fatal(err)
	}

	// A file written in pieces, with pauses shorter than Settle, is reported
	// once, after the last piece.
	slow := filepath.Join(dir, "slide.png")
	f, err := os.Create(slow)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		f.Write(make([]byte, 1000))
		time.Sleep(50 * time.Millisecond)
		if files, _ := s.snapshot(); len(files) > 0 {
			t.Fatalf("reported while still being written: %v", files)
		}
	}
	f.Close()
	// Hidden and temporary files are never reported.
	for _, n := range []string{".hidden.png", "copy.png.part", "x.tmp", "~lock.png"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	waitFor(t, "the settled file", func() bool { files, _ := s.snapshot(); return len(files) == 1 })
	time.Sleep(400 * time.Millisecond)
	files, _ := s.snapshot()
	if len(files) != 1 || files[0] != slow {
		t.Fatalf("files = %v, want only %s", files, slow)
	}

	if err := os.Remove(slow); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removal", func() bool { _, rm := s.snapshot(); return len(rm) == 1 && rm[0] == slow })
}

func TestIgnored(t *testing.T) {
	for name, want := range map[string]bool{
		"a.png": false, "Slide 1.TIF": false, ".DS_Store": true, "a.png.crdownload": true,
		"a.TMP": true, "a.png~": true, "/x/y/.tessera-import-1.tmp": true,
	} {
		if got := watch.Ignored(name); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", name, got, want)
		}
	}
}
