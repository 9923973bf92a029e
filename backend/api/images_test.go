package api_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (c *client) upload(pid int64, name string, body []byte) (int, string, string) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/api/projects/"+itoa(pid)+"/images?name="+name, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(raw)
}

func (c *client) get(path string) (*http.Response, []byte) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestImagesThroughTheAPI uploads an image as an assistant, waits for it to
// be tiled by a tiler started like the server starts it, and reads back the
// image, its tiles, a tile's pixels, the thumbnail and a pyramid tile.
func TestImagesThroughTheAPI(t *testing.T) {
	srv, svc := newServerWithImages(t)
	prof := newClient(t, srv)
	prof.login("professor")
	var p backend.Project
	if st, _ := prof.do("POST", "/api/projects", map[string]string{"name": "Aerial"}, &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	student := newClient(t, srv)
	student.login("student")
	if st, _, _ := student.upload(p.ID, "a.png", pngBytes(t, 10, 10)); st != 403 {
		t.Fatalf("student upload: %d, want 403", st)
	}
	asst := newClient(t, srv)
	asst.login("assistant")
	if st, _, body := asst.upload(p.ID, "roofs.png", pngBytes(t, 600, 520)); st != 201 {
		t.Fatalf("upload: %d %s", st, body)
	}
	if st, _, body := asst.upload(p.ID, "bad.png", []byte("not a png at all")); st != 400 || !strings.Contains(body, "not an image") {
		t.Fatalf("bad upload: %d %s", st, body)
	}
	if st, code := asst.do("POST", "/api/projects/"+itoa(p.ID)+"/images/import-paths", map[string][]string{"paths": {"/etc/passwd"}}, nil); st != 403 || code != backend.EFORBIDDEN {
		t.Fatalf("import by path on a server: %d %s", st, code)
	}
	_ = svc

	var list struct {
		Images []backend.Image
		Total  int
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if st, _ := student.do("GET", "/api/projects/"+itoa(p.ID)+"/images", nil, &list); st != 200 {
			t.Fatalf("list: %d", st)
		}
		if list.Total == 1 && list.Images[0].State == backend.ImageReady {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("image never ready: %+v", list)
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := list.Images[0]
	if m.Width != 600 || m.Height != 520 || m.TilesCount != 4 || m.Pyramid == nil {
		t.Fatalf("image %+v", m)
	}
	var tiles struct {
		Tiles []backend.Tile
		Total int
	}
	if st, _ := student.do("GET", "/api/images/"+itoa(m.ID)+"/tiles", nil, &tiles); st != 200 || tiles.Total != 4 {
		t.Fatalf("tiles: %d %+v", st, tiles)
	}
	last := tiles.Tiles[3]
	resp, body := student.get("/api/tiles/" + itoa(last.ID) + "/image")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("tile image: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(body))
	if err != nil || cfg.Width != 88 || cfg.Height != 8 {
		t.Fatalf("edge tile %v %v, want 88×8", cfg, err)
	}
	if resp, _ := student.get("/api/images/" + itoa(m.ID) + "/thumbnail"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d", resp.StatusCode)
	}
	top := m.Pyramid.Levels - 1
	if resp, _ := student.get("/api/images/" + itoa(m.ID) + "/pyramid/" + itoa(int64(top)) + "/0_0.jpg"); resp.StatusCode != 200 {
		t.Fatalf("pyramid tile: %d", resp.StatusCode)
	}
	for _, bad := range []string{"/pyramid/0/..%2F..%2Ftessera.db", "/pyramid/x/0_0.jpg", "/pyramid/0/0_0.png"} {
		if resp, _ := student.get("/api/images/" + itoa(m.ID) + bad); resp.StatusCode != 400 && resp.StatusCode != 404 {
			t.Errorf("GET %s: %d", bad, resp.StatusCode)
		}
	}
	if st, _ := asst.do("DELETE", "/api/images/"+itoa(m.ID), nil, nil); st != 403 {
		t.Fatalf("assistant delete: %d", st)
	}
	if st, _ := prof.do("DELETE", "/api/images/"+itoa(m.ID), nil, nil); st != 204 {
		t.Fatalf("professor delete: %d", st)
	}
	if st, _ := student.do("GET", "/api/images/"+itoa(m.ID), nil, nil); st != 404 {
		t.Fatalf("after delete: %d", st)
	}
}
