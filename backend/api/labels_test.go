package api_test

import (
	"archive/zip"
	"bytes"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

const testSchema = `{"colour_schemes":[{"name":"default","human_name":"Default"}],"label_class_groups":[{"group_name":"All",
 "group_classes":[{"name":"roof","human_name":"Roof","colours":{"default":[200,40,40]}}]}]}`

func (c *client) raw(method, path, body string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestLabellingThroughTheAPI(t *testing.T) {
	srv, _ := newServerWithImages(t)
	prof := newClient(t, srv)
	prof.login("professor")
	var p backend.Project
	prof.do("POST", "/api/projects", map[string]string{"name": "Roofs"}, &p)
	pp := "/api/projects/" + itoa(p.ID)
	student := newClient(t, srv)
	student.login("student")
	if st, _ := student.raw("PUT", pp+"/schema", testSchema); st != 403 {
		t.Fatalf("student sets schema: %d", st)
	}
	if st, body := prof.raw("PUT", pp+"/schema", testSchema); st != 200 || !strings.Contains(body, `"roof"`) {
		t.Fatalf("schema: %d %s", st, body)
	}
	if st, body := prof.raw("PUT", pp+"/schema", `{"label_class_groups":[{"group_name":"x","group_classes":[{"name":""}]}]}`); st != 400 {
		t.Fatalf("bad schema accepted: %d %s", st, body)
	}
	if st, _, body := prof.upload(p.ID, "town.png", pngBytes(t, 300, 200)); st != 201 {
		t.Fatalf("upload %d %s", st, body)
	}
	var tiles struct{ Tiles []backend.Tile }
	deadline := time.Now().Add(20 * time.Second)
	for len(tiles.Tiles) == 0 {
		var list struct{ Images []backend.Image }
		student.do("GET", pp+"/images", nil, &list)
		if len(list.Images) == 1 && list.Images[0].State == backend.ImageReady {
			student.do("GET", "/api/images/"+itoa(list.Images[0].ID)+"/tiles", nil, &tiles)
		}
		if time.Now().After(deadline) {
			t.Fatal("image never ready")
		}
		time.Sleep(30 * time.Millisecond)
	}
	tp := "/api/tiles/" + itoa(tiles.Tiles[0].ID) + "/labels"
	body := `{"base_revision":0,"edit_seconds":4,"labels":{"image_filename":"x","completed_tasks":[],"labels":[
	  {"label_type":"polygon","object_id":"r1","label_class":"roof","source":"manual","anno_data":{},
	   "regions":[[{"x":10,"y":10},{"x":60,"y":10},{"x":60,"y":40},{"x":10,"y":40}]]}]}}`
	if st, resp := student.raw("PUT", tp, body); st != 200 || !strings.Contains(resp, `"revision":1`) {
		t.Fatalf("student saves labels: %d %s", st, resp)
	}
	if st, _ := student.raw("PUT", tp, body); st != 409 {
		t.Fatalf("stale save: %d, want 409", st)
	}
	if st, resp := student.raw("PUT", tp, `{"base_revision":1,"labels":{"labels":[{"label_type":}]}}`); st != 400 {
		t.Fatalf("malformed labels: %d %s", st, resp)
	}
	if st, resp := student.raw("GET", tp, ""); st != 200 || !strings.Contains(resp, `"r1"`) || !strings.Contains(resp, `"revision":1`) {
		t.Fatalf("get labels: %d %s", st, resp)
	}
	// The student read the tile's labels: it is open by them, and the
	// professor's editor says so (and theirs says the professor's).
	if st, resp := prof.raw("GET", tp, ""); st != 200 || !strings.Contains(resp, `"open_by":["student"]`) {
		t.Fatalf("open by: %d %s", st, resp)
	}
	if st, resp := student.raw("POST", "/api/tiles/"+itoa(tiles.Tiles[0].ID)+"/open", ""); st != 200 || resp != `{"open_by":["professor"]}`+"\n" {
		t.Fatalf("heartbeat: %d %q", st, resp)
	}
	var next struct{ Tile *backend.Tile }
	if st, resp := student.do("GET", pp+"/next-tile?image="+itoa(tiles.Tiles[0].ImageID), nil, &next); st != 200 || next.Tile == nil || next.Tile.ID != tiles.Tiles[0].ID {
		t.Fatalf("next tile: %d %s", st, resp)
	}
	if st, _ := student.raw("GET", pp+"/next-tile?image=x", ""); st != 400 {
		t.Fatalf("next tile of a bad image id: %d, want 400", st)
	}
	if st, resp := prof.raw("GET", pp+"/progress", ""); st != 200 || !strings.Contains(resp, `"labelled":1`) || !strings.Contains(resp, `"user":"student"`) {
		t.Fatalf("progress: %d %s", st, resp)
	}
	if st, _ := student.raw("GET", pp+"/export?format=masks", ""); st != 403 {
		t.Fatalf("student export: %d", st)
	}
	resp, zipped := prof.get(pp + "/export?format=masks&per=tile")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Modified.Year() < 2000 {
			t.Fatalf("%s dated %v", f.Name, f.Modified)
		}
	}
	// The student's tile is not marked complete: complete=1 leaves it out.
	resp, zipped = prof.get(pp + "/export?format=masks&per=tile&complete=1")
	if resp.StatusCode != 200 {
		t.Fatalf("export of complete tiles: %d", resp.StatusCode)
	}
	if zc, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped))); err != nil {
		t.Fatal(err)
	} else {
		for _, f := range zc.File {
			if strings.HasPrefix(f.Name, "masks/") {
				t.Fatalf("complete=1 exported %s, a tile not marked complete", f.Name)
			}
		}
	}
	if st, _ := prof.raw("GET", pp+"/export?format=masks&complete=maybe", ""); st != 400 {
		t.Fatalf("complete=maybe: %d, want 400", st)
	}
	for _, f := range zr.File {
		if f.Name != "masks/town_r000_c000.png" {
			continue
		}
		rc, _ := f.Open()
		img, err := png.Decode(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r, _, _, _ := img.At(30, 20).RGBA(); r>>8 != 1 {
			t.Fatalf("mask inside the roof = %d, want 1", r>>8)
		}
		if r, _, _, _ := img.At(100, 100).RGBA(); r != 0 {
			t.Fatalf("mask outside = %d, want 0", r>>8)
		}
		return
	}
	t.Fatal("no mask for the tile in the export")
}
