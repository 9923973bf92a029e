package app_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/store"
)

// TestDesktopSmoke starts the built desktop binary in a real window under
// Xvfb, waits for the page inside WebKit to reach the Go backend, takes a
// screenshot and closes the app as the system would (SIGTERM).
//
// `make test` sets TESSERA_DESKTOP_BIN to build/bin/tessera.
func TestDesktopSmoke(t *testing.T) {
	bin := os.Getenv("TESSERA_DESKTOP_BIN")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but TESSERA_DESKTOP_BIN is not: run `make test`")
		}
		t.Skip("TESSERA_DESKTOP_BIN is not set (make test sets it to build/bin/tessera)")
	}
	display := startXvfb(t)
	data := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// A project to open, at the training monitor: the window must show it.
	if out, err := exec.Command(bin, "project", "create", "--name", "Smoke", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("create a project: %v\n%s", err, out)
	}
	const route = "#/projects/1/monitor"
	start := time.Now()
	cmd := exec.Command(bin, "--data", data, "--open", route)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "WAYLAND_DISPLAY=")
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			t.Logf("app: %s", sc.Text())
			if _, ua, ok := strings.Cut(sc.Text(), "desktop: frontend ready "); ok {
				select {
				case ready <- ua:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	defer cmd.Process.Kill()

	var ua string
	select {
	case ua = <-ready:
		t.Logf("start to frontend ready: %v", time.Since(start).Round(time.Millisecond))
	case err := <-exited:
		t.Fatalf("app exited before the page was ready: %v", err)
	case <-ctx.Done():
		t.Fatal("the page never called FrontendReady: the frontend did not boot or could not reach the backend")
	}
	if !strings.Contains(ua, "AppleWebKit") || !strings.Contains(ua, route) {
		t.Fatalf("ready reported by %q: want WebKit, on %s", ua, route)
	}

	shot := filepath.Join(artifacts(t), "desktop.png")
	if out, err := exec.Command("import", "-display", display, "-window", "root", shot).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 5000 {
		t.Fatalf("screenshot too small or missing: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("app did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("app did not exit within 20 s of SIGTERM")
	}

	// What the window did is in the database, and the broker's store opens
	// again without a stale lock.
	db, err := store.Open(context.Background(), filepath.Join(data, "tessera.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, ok, err := db.Setting(context.Background(), "desktop.last_ready"); err != nil || !ok || !strings.Contains(v, "AppleWebKit") {
		t.Fatalf("desktop.last_ready = %q %v %v", v, ok, err)
	}
	b, err := broker.Start(context.Background(), broker.Config{StoreDir: filepath.Join(data, "broker")})
	if err != nil {
		t.Fatalf("broker store after the app closed: %v", err)
	}
	b.Close()
}

// startXvfb starts a private X server on a free display and returns its name.
func startXvfb(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Fatal("Xvfb is not installed: run build/install-deps.sh")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x900x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if n == "" {
			t.Fatal("Xvfb reported no display")
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start")
	}
	return ""
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("TESSERA_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
