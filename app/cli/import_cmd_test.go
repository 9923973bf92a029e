package cli_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePNG(t *testing.T, path string, w, h int) {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 31)
	}
	img.Set(0, 0, color.Gray{7})
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestImportCommand(t *testing.T) {
	data := t.TempDir()
	src := t.TempDir()
	writePNG(t, filepath.Join(src, "a.png"), 300, 200)
	writePNG(t, filepath.Join(src, "b.png"), 90, 90)
	os.WriteFile(filepath.Join(src, "broken.png"), []byte("\x89PNG\r\n\x1a\nnope"), 0o644)
	run(t, data, "project", "create", "--name", "Slides")

	r := run(t, data, "import", "--project", "1", "--tile", "128", "--overlap", "16", "--json", src)
	if r.code != 2 {
		t.Fatalf("exit %d (want 2: one file failed)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var sum struct {
		Imported []struct {
			Path          string
			ImageID       int64 `json:"image_id"`
			Width, Height int
			Tiles         int
		}
		Duplicates   []struct{ Path string }
		Failed       []struct{ Path, Error string }
		TilesWritten int `json:"tiles_written"`
		Seconds      float64
	}
	decodeJSON(t, r.stdout, &sum)
	// a.png: stride 112 → columns at 0, 112, 224 (3) and rows at 0, 112 (2).
	if len(sum.Imported) != 2 || sum.Imported[0].Tiles != 6 || sum.Imported[1].Tiles != 1 || sum.TilesWritten != 7 {
		t.Fatalf("summary %+v", sum)
	}
	if len(sum.Failed) != 1 || filepath.Base(sum.Failed[0].Path) != "broken.png" || sum.Failed[0].Error == "" {
		t.Fatalf("failed %+v", sum.Failed)
	}
	tiles, _ := filepath.Glob(filepath.Join(data, "projects", "project-1", "tiles", "a_r*_c*.png"))
	if len(tiles) != 6 {
		t.Fatalf("tiles on disk: %v", tiles)
	}

	// Again: everything is a duplicate, nothing fails, exit 0.
	r = run(t, data, "import", "--project", "1", "--json", filepath.Join(src, "a.png"), filepath.Join(src, "b.png"))
	decodeJSON(t, r.stdout, &sum)
	if r.code != 0 || len(sum.Imported) != 0 || len(sum.Duplicates) != 2 {
		t.Fatalf("second import: exit %d %+v", r.code, sum)
	}
	if r := run(t, data, "import", "--project", "1", "--tile", "10", src); r.code != 1 || !strings.Contains(r.stderr, "tile size must be between") {
		t.Fatalf("bad tile size: %+v", r)
	}
	if r := run(t, data, "import", "--project", "9", src); r.code != 1 || !strings.Contains(r.stderr, "project 9 not found") {
		t.Fatalf("missing project: %+v", r)
	}
}
