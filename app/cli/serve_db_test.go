package cli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/store/storetest"
)

// A classroom server's whole path on each database it runs on (SQLite, and
// PostgreSQL where TESSERA_TEST_POSTGRES is set): through the HTTP API an
// image is uploaded and tiled, classes are set, every tile is labelled and
// marked complete, and a CPU training run on the local worker completes.
func TestAClassroomServerOnEachDatabase(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			data := t.TempDir()
			args := []string{"--data", data, "--admin-password", "first-admin-pw"}
			if db.Name == "postgres" {
				args = append(args, "--db", db.DSN)
			}
			srv := startServe(t, func(string) string { return "" }, args...)
			defer srv.stop()
			c := newAPIClient(t, srv.base)
			c.call("POST", "/api/login", map[string]string{"name": "admin", "password": "first-admin-pw"}, nil)
			var p backend.Project
			c.call("POST", "/api/projects", map[string]any{"name": "Cells"}, &p)
			c.call("PATCH", "/api/projects/"+itoa(p.ID), map[string]any{"tile_size": 100}, nil)

			src := filepath.Join(t.TempDir(), "cell.png")
			writePNG(t, src, 200, 200)
			png, _ := os.ReadFile(src)
			var up struct{ Result backend.ImportResult }
			c.send("POST", "/api/projects/"+itoa(p.ID)+"/images?name=cell.png", "image/png", png, &up)
			if len(up.Result.Imported) != 1 {
				t.Fatalf("upload: %+v", up)
			}
			var m backend.Image
			c.waitFor(func() bool {
				c.call("GET", "/api/images/"+itoa(up.Result.Imported[0].ID), nil, &m)
				return m.State == backend.ImageReady || m.State == backend.ImageFailed
			})
			if m.State != backend.ImageReady || m.TilesCount != 4 {
				t.Fatalf("image %+v", m)
			}
			c.call("PUT", "/api/projects/"+itoa(p.ID)+"/schema", json.RawMessage(`{"label_class_groups":[{"group_name":"g","group_classes":[
				{"name":"cell","human_name":"Cell","colours":{"default":[0,255,0]}}]}]}`), nil)
			var tiles struct{ Tiles []backend.Tile }
			c.call("GET", "/api/images/"+itoa(m.ID)+"/tiles", nil, &tiles)
			for _, tl := range tiles.Tiles {
				labels := json.RawMessage(`{"completed_tasks":["finished"],"labels":[{"label_type":"polygon","object_id":"1","label_class":"cell",
					"regions":[[{"x":10,"y":10},{"x":60,"y":10},{"x":60,"y":60}]]}]}`)
				c.call("PUT", "/api/tiles/"+itoa(tl.ID)+"/labels", map[string]any{"labels": labels, "base_revision": 0, "edit_seconds": 5}, nil)
			}
			var j backend.Job
			c.call("POST", "/api/projects/"+itoa(p.ID)+"/jobs", map[string]any{"worker": "local", "trainer": "cpu",
				"config": map[string]any{"epochs": 1, "batch_size": 2, "input_size": "64"}}, &j)
			c.waitFor(func() bool {
				var d struct{ Job backend.Job }
				c.call("GET", "/api/jobs/"+j.ID, nil, &d)
				j = d.Job
				return j.Status == "COMPLETED" || j.Status == "FAILED" || j.Status == "CANCELLED"
			})
			if j.Status != "COMPLETED" || j.Epoch != 1 || j.BestValIoU == nil {
				t.Fatalf("job %+v", j)
			}
		})
	}
}

type apiClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newAPIClient(t *testing.T, base string) *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// call sends body as JSON and decodes the answer into out; any status
// from 300 up fails the test.
func (c *apiClient) call(method, path string, body, out any) {
	c.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	c.send(method, path, "application/json", b, out)
}

func (c *apiClient) send(method, path, contentType string, body []byte, out any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %.300s", method, path, err, raw)
		}
	}
}

func (c *apiClient) waitFor(done func() bool) {
	c.t.Helper()
	for end := time.Now().Add(3 * time.Minute); !done(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			c.t.Fatal("timed out")
		}
	}
}
