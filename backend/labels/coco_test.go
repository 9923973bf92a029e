package labels

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func cocoImages(t *testing.T) []COCOImage {
	imgs := []COCOImage{{ID: 7, FileName: "tile_r000_c001.png", W: 100, H: 100, Labels: parseFixture(t, "current__labels.json")}}
	for i := 0; i < 3; i++ {
		imgs = append(imgs, COCOImage{ID: int64(10 + i), FileName: "gen" + itoa(i) + ".png", W: 300, H: 200, Labels: newGen(uint64(50+i), 300, 200).file(40)})
	}
	imgs = append(imgs, COCOImage{ID: 99, FileName: "empty.png", W: 10, H: 10})
	return imgs
}

func TestCOCOStructure(t *testing.T) {
	sch := testSchema()
	imgs := cocoImages(t)
	data, err := COCO(imgs, sch)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Images []struct {
			ID            int64
			FileName      string `json:"file_name"`
			Width, Height int
		}
		Categories []struct {
			ID            int
			Name          string
			Supercategory string
		}
		Annotations []struct {
			ID           int64
			ImageID      int64 `json:"image_id"`
			CategoryID   int   `json:"category_id"`
			Segmentation [][]float64
			Area         int
			BBox         []float64
			IsCrowd      *int
		}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Images) != len(imgs) || len(d.Categories) != 4 || d.Categories[2].Name != "flower" || d.Categories[2].ID != 3 || d.Categories[3].Supercategory != "Artificial" {
		t.Fatalf("images %v categories %v", d.Images, d.Categories)
	}
	size := map[int64][2]float64{}
	for _, im := range d.Images {
		size[im.ID] = [2]float64{float64(im.Width), float64(im.Height)}
	}
	ids := map[int64]bool{}
	perImage := map[int64]int{}
	for _, a := range d.Annotations {
		sz, ok := size[a.ImageID]
		if ids[a.ID] || !ok || a.CategoryID < 1 || a.CategoryID > 4 || a.IsCrowd == nil || *a.IsCrowd != 0 || a.Area <= 0 || len(a.BBox) != 4 {
			t.Fatalf("bad annotation %+v", a)
		}
		ids[a.ID] = true
		perImage[a.ImageID]++
		x, y, w, h := a.BBox[0], a.BBox[1], a.BBox[2], a.BBox[3]
		if x < 0 || y < 0 || w < 0 || h < 0 || x+w > sz[0] || y+h > sz[1] {
			t.Errorf("annotation %d: bbox %v outside %v", a.ID, a.BBox, sz)
		}
		for _, poly := range a.Segmentation {
			if len(poly) < 6 || len(poly)%2 != 0 {
				t.Errorf("annotation %d: polygon of %d numbers", a.ID, len(poly))
			}
			for k := 0; k < len(poly); k += 2 {
				if poly[k] < 0 || poly[k] > sz[0] || poly[k+1] < 0 || poly[k+1] > sz[1] {
					t.Errorf("annotation %d: vertex (%v, %v) outside %v", a.ID, poly[k], poly[k+1], sz)
				}
			}
		}
	}
	// The fixture: polygon, box, ellipse and group, not the point, the
	// composite or the unknown type.
	if perImage[7] != 4 {
		t.Errorf("fixture gave %d annotations, want 4", perImage[7])
	}
	if perImage[99] != 0 {
		t.Errorf("empty image has annotations")
	}

	path := filepath.Join(t.TempDir(), "coco.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is missing")
		}
		t.Skip("no python3 to check the COCO file with")
	}
	out, err := exec.Command(py, "testdata/check_coco.py", path).CombinedOutput()
	if err != nil {
		t.Fatalf("check_coco.py: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}

func TestCOCOAreaIsTheMaskArea(t *testing.T) {
	sch := testSchema()
	for _, img := range cocoImages(t) {
		if img.Labels == nil {
			continue
		}
		for i, l := range img.Labels.Labels {
			if _, ok := sch.ClassIndex(l.Class); !ok || labelRings(l, 0) == nil {
				continue
			}
			alone := &File{Labels: []Label{l}}
			m, _ := Rasterise(alone, sch, img.W, img.H)
			want := 0
			for _, v := range m.Pix {
				if v != 0 {
					want++
				}
			}
			if got := labelArea(l, img.W, img.H); got != want {
				t.Errorf("%s label %d (%s): area %d, mask has %d pixels", img.FileName, i, l.Type, got, want)
			}
		}
	}
}

func TestCOCOErrors(t *testing.T) {
	if _, err := COCO([]COCOImage{{ID: 1, W: 2, H: 2}, {ID: 1, W: 2, H: 2}}, testSchema()); err == nil {
		t.Error("duplicate image ids were accepted")
	}
	if _, err := COCO([]COCOImage{{ID: 1}}, testSchema()); err == nil {
		t.Error("an image without size was accepted")
	}
}
