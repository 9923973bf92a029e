package backend_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

func TestLayoutFollowsSpec(t *testing.T) {
	l := backend.Layout{Root: "/data"}
	for got, want := range map[string]string{
		l.DBPath():          "/data/tessera.db",
		l.ProjectDir(7):     "/data/projects/project-7",
		l.InputImagesDir(7): "/data/projects/project-7/input_images",
		l.TilesDir(7):       "/data/projects/project-7/tiles",
		l.AnnotationsDir(7): "/data/projects/project-7/annotations",
		l.PipelinesDir(7):   "/data/projects/project-7/ml/pipelines",
	} {
		if got != filepath.FromSlash(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func TestSafeJoin(t *testing.T) {
	base := "/data/projects/project-1"
	for _, ok := range []string{"tiles/a.png", "a/../b.png", "x..y.png", "..hidden"} {
		if _, err := backend.SafeJoin(base, ok); err != nil {
			t.Errorf("SafeJoin(%q) refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "../x", "a/../../x", "/etc/passwd", "..", "a\x00b"} {
		if p, err := backend.SafeJoin(base, bad); backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("SafeJoin(%q) = %q, %v; want invalid", bad, p, err)
		}
	}
}

func TestNormalizeProjectName(t *testing.T) {
	if n, err := backend.NormalizeProjectName("  Cells 101 "); err != nil || n != "Cells 101" {
		t.Fatalf("got %q %v", n, err)
	}
	for _, bad := range []string{"", "   ", "a\nb", string(make([]rune, 101))} {
		if _, err := backend.NormalizeProjectName(bad); backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestReadFileMaxRefusesALargerFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "model.json")
	os.WriteFile(p, []byte(`{"format":"x"}`), 0o644)
	if b, err := backend.ReadFileMax(p, 14); err != nil || string(b) != `{"format":"x"}` {
		t.Fatalf("a file of exactly the limit: %q %v", b, err)
	}
	if _, err := backend.ReadFileMax(p, 13); backend.ErrorCode(err) != backend.ETOOLARGE {
		t.Fatalf("a file over the limit: %v", err)
	}
}
