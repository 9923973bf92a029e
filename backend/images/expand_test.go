package images

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Importing a folder that holds Tessera's data folder does not import the
// app's own tiles and copies (each run would add them again), and the data
// folder itself is refused.
func TestExpandSkipsTheDataFolder(t *testing.T) {
	top := t.TempDir()
	data := filepath.Join(top, "tessera-data")
	for _, f := range []string{"a.png", "photos/b.jpg", ".hidden/c.png", "tessera-data/projects/project-1/tiles/a_r000_c000.png"} {
		os.MkdirAll(filepath.Dir(filepath.Join(top, f)), 0o755)
		os.WriteFile(filepath.Join(top, f), []byte("x"), 0o644)
	}
	files, err := expand(top, data)
	want := []string{filepath.Join(top, "a.png"), filepath.Join(top, "photos", "b.jpg")}
	if err != nil || !slices.Equal(files, want) {
		t.Fatalf("%v %v, want %v", files, err, want)
	}
	if _, err := expand(data, data); err == nil || !strings.Contains(err.Error(), "Tessera's own data folder") {
		t.Fatalf("the data folder itself: %v", err)
	}
}
