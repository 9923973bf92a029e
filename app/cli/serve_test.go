package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/app/cli"
)

// TestServeStartsAndStops runs `tessera serve` on a free port, reads the URL
// it prints, uses the API and the UI, then stops it as a signal would.
func TestServeStartsAndStops(t *testing.T) {
	data := t.TempDir()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--admin-password", "first-admin-pw"},
			cli.Env{Stdout: pw, Stderr: io.Discard, Getenv: func(string) string { return "" }})
		pw.Close()
	}()
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Tessera listening on "); ok {
				urlc <- u
			}
		}
	}()
	var base string
	select {
	case base = <-urlc:
	case <-time.After(30 * time.Second):
		t.Fatal("serve printed no URL")
	}

	resp, err := http.Get(base + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]string
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h["status"] != "ok" || h["mode"] != "server" {
		t.Fatalf("health = %v", h)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err = c.Post(base+"/api/login", "application/json", strings.NewReader(`{"name":"admin","password":"first-admin-pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("first admin cannot sign in: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Tessera") {
		t.Fatalf("UI: %d %.200s", resp.StatusCode, page)
	}
	// An open live stream must not keep the server from stopping.
	stream, err := c.Get(base + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != 200 {
		t.Fatalf("live stream: %d", stream.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	// The data survives: a second start on the same folder works (no stale lock).
	if r := run(t, data, "user", "list"); r.code != 0 || !strings.Contains(r.stdout, "admin") {
		t.Fatalf("after stop: %+v", r)
	}
}
