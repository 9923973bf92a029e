package cli_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/app/cli"
)

// TestServeStartsAndStops runs `tessera serve` on a free port, reads the URL
// it prints, uses the API and the UI, then stops it as a signal would.
// served is a running `tessera serve`: its URL, what it printed so far,
// and stop, which cancels it and returns its exit code.
type served struct {
	base   string
	mu     sync.Mutex
	stdout []string
	stderr strings.Builder
	stop   func() int
}

func (s *served) printed() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.stdout, "\n") + "\n" + s.stderr.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func startServe(t *testing.T, getenv func(string) string, args ...string) *served {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	s := &served{}
	go func() {
		done <- cli.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...),
			cli.Env{Stdout: pw, Stderr: lockedWriter{&s.mu, &s.stderr}, Getenv: getenv})
		pw.Close()
	}()
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.stdout = append(s.stdout, sc.Text())
			s.mu.Unlock()
			if u, ok := strings.CutPrefix(sc.Text(), "Tessera listening on "); ok {
				urlc <- u
			}
		}
	}()
	select {
	case s.base = <-urlc:
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve printed no URL")
	}
	s.stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
	return s
}

func TestServeStartsAndStops(t *testing.T) {
	data := t.TempDir()
	srv := startServe(t, func(string) string { return "" }, "--data", data, "--admin-password", "first-admin-pw")
	base := srv.base

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

	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	// The data survives: a second start on the same folder works (no stale lock).
	if r := run(t, data, "user", "list"); r.code != 0 || !strings.Contains(r.stdout, "admin") {
		t.Fatalf("after stop: %+v", r)
	}
}

// Secrets an operator set stay out of what serve prints; the first admin's
// password may come from the environment, and one given later is said to
// be unused; the data folder is its owner's only.
func TestServeKeepsSecretsOutOfItsOutput(t *testing.T) {
	data := filepath.Join(t.TempDir(), "tessera-data")
	env := map[string]string{"TESSERA_AGENT_TOKEN": "operator-token-0123456789", "TESSERA_ADMIN_PASSWORD": "from-the-env-pw"}
	srv := startServe(t, func(k string) string { return env[k] }, "--data", data, "--agents-listen", "127.0.0.1:0")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(srv.base+"/api/login", "application/json", strings.NewReader(`{"name":"admin","password":"from-the-env-pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the admin password from TESSERA_ADMIN_PASSWORD: sign-in %d", resp.StatusCode)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	out := srv.printed()
	if strings.Contains(out, "operator-token") || !strings.Contains(out, "--token <the agent token you set>") {
		t.Errorf("serve's output shows the operator's token, or not how agents connect:\n%s", out)
	}
	if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}

	again := startServe(t, func(k string) string { return env[k] }, "--data", data, "--admin-password", "another-pw-123")
	again.stop()
	if !strings.Contains(again.printed(), "the admin password given is not used") {
		t.Errorf("a later admin password was ignored silently:\n%s", again.printed())
	}
}

// serve --tls-cert/--tls-key serves HTTPS and marks the session cookie
// Secure; plain HTTP beyond this computer gets a warning.
func TestServeOverHTTPS(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tessera test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)

	srv := startServe(t, func(string) string { return "" }, "--data", filepath.Join(dir, "data"),
		"--admin-password", "first-admin-pw", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(srv.base, "https://127.0.0.1:") {
		t.Fatalf("listening on %s, want https", srv.base)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Post(srv.base+"/api/login", "application/json", strings.NewReader(`{"name":"admin","password":"first-admin-pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure {
		t.Errorf("sign-in over HTTPS: %d, cookies %v (want one, Secure)", resp.StatusCode, resp.Cookies())
	}
	srv.stop()
	if strings.Contains(srv.printed(), "plain HTTP") {
		t.Errorf("a warning about plain HTTP over HTTPS:\n%s", srv.printed())
	}

	open := startServe(t, func(string) string { return "" }, "--data", filepath.Join(dir, "data"), "--addr", "0.0.0.0:0")
	open.stop()
	if !strings.Contains(open.printed(), "warning: serving plain HTTP beyond this computer") {
		t.Errorf("no warning for plain HTTP on every interface:\n%s", open.printed())
	}
}

// A certificate that cannot be read stops serve before anything starts:
// no URL is printed, no admin is made.
func TestServeChecksTheCertificateFirst(t *testing.T) {
	data := t.TempDir()
	r := run(t, data, "serve", "--addr", "127.0.0.1:0", "--tls-cert", "nope.pem", "--tls-key", "nope.key")
	if r.code != 1 || !strings.Contains(r.stderr, "--tls-cert/--tls-key: open nope.pem") || strings.Contains(r.stdout, "listening") {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(filepath.Join(data, "tessera.db")); !os.IsNotExist(err) {
		t.Fatalf("the database was made: %v", err)
	}
}
