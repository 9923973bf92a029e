package frontend

import (
	"io/fs"
	"strings"
	"testing"
)

func TestAssetsServesIndex(t *testing.T) {
	fsys, built := Assets()
	b, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatalf("index.html: %v", err)
	}
	if !built && !strings.Contains(string(b), "run make build") {
		t.Errorf("stand-in page does not say how to build: %q", b)
	}
	if built && !strings.Contains(string(b), `<div id="app">`) {
		t.Errorf("built index.html has no app root: %q", b)
	}
}
