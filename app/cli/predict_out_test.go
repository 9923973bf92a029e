package cli

import (
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

// Two images whose names differ only in the extension (or its case) get
// outputs of their own; the others keep the plain stem.
func TestPredictOutputsDoNotOverwriteEachOther(t *testing.T) {
	ms := []*backend.Image{{ID: 1, File: "a.png"}, {ID: 2, File: "a.tif"}, {ID: 3, File: "b.jpg"}, {ID: 4, File: "A.jpeg"}, {ID: 5, File: "a_png.jpg"}}
	got := outStems(ms)
	want := map[int64]string{1: "a_png", 2: "a_tif", 3: "b", 4: "A_jpeg", 5: "a_png_2"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("image %d: %q, want %q", id, got[id], w)
		}
	}
}
