// Package broker runs Tessera's embedded NATS server with JetStream and
// creates the streams, KV bucket and object stores that the app and the
// agents share (see "Jobs over NATS" in the architecture notes).
package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ServerName is fixed so that the JetStream store is the same server's
// store on every start.
const ServerName = "tessera"

// MinTokenLen is the shortest token Start accepts for a listening broker.
const MinTokenLen = 16

const (
	readyTimeout = 10 * time.Second
	drainTimeout = 5 * time.Second
)

// Config says where the broker keeps its data and whether agents can reach it.
type Config struct {
	// StoreDir holds JetStream's files; it is created if missing.
	StoreDir string
	// Listen is "" for an in-process broker with no TCP port (desktop
	// mode), or "host:port" / ":4222" to accept agents. Port 0 picks a
	// free port; see Addr.
	Listen string
	// Token is the secret agents must present. Required, at least
	// MinTokenLen characters, when Listen is set; unused otherwise.
	Token string
	// AgentsOnly: whoever connects with the token is an agent and gets an
	// agent's rights only (see agentPermissions); the app hosting the
	// broker sets it. Otherwise (a gpuagent hosting one for a lab's apps)
	// token holders may do anything.
	AgentsOnly bool
	// Logf receives the server's warnings and errors; nil drops them.
	Logf func(format string, args ...any)
}

// Broker is a running embedded NATS server and the app's connection to it.
type Broker struct {
	srv  *server.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	lock *dirLock

	listening bool
	external  string        // the outside broker's URL (Dial); srv is nil
	closed    chan struct{} // closed when nc is closed

	closeOnce sync.Once
	closeErr  error
}

// Start runs the server on cfg.StoreDir, connects to it in-process and
// creates or updates the streams and buckets, keeping what they hold.
func Start(ctx context.Context, cfg Config) (*Broker, error) {
	appSecret := newSecret()
	opts, err := serverOptions(cfg, appSecret)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.StoreDir, 0o700); err != nil {
		return nil, fmt.Errorf("broker store dir: %w", err)
	}
	lock, err := lockStoreDir(cfg.StoreDir)
	if err != nil {
		return nil, err
	}
	b, err := start(ctx, cfg, opts, appSecret, lock)
	if err != nil {
		lock.release()
		return nil, err
	}
	return b, nil
}

func start(ctx context.Context, cfg Config, opts *server.Options, appSecret string, lock *dirLock) (*Broker, error) {
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	log := newServerLogger(cfg.Logf)
	srv.SetLoggerV2(log, false, false, false)
	srv.Start()
	stop := func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
	if err := waitReady(ctx, srv, log); err != nil {
		stop()
		return nil, err
	}

	b := &Broker{srv: srv, lock: lock, listening: !opts.DontListen, closed: make(chan struct{})}
	connOpts := []nats.Option{
		nats.InProcessServer(srv),
		nats.Name("tessera-broker"),
		nats.DrainTimeout(drainTimeout),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
	}
	if b.listening {
		connOpts = append(connOpts, nats.UserInfo(AppUser, appSecret))
	}
	b.nc, err = nats.Connect("", connOpts...)
	if err != nil {
		stop()
		return nil, fmt.Errorf("connect in-process: %w", err)
	}
	b.js, err = jetstream.New(b.nc)
	if err == nil {
		err = setupJetStream(ctx, b.js)
	}
	if err != nil {
		b.nc.Close()
		stop()
		return nil, fmt.Errorf("jetstream setup: %w", err)
	}
	return b, nil
}

// serverOptions are the server's options; a listening server knows the app
// by appSecret.
func serverOptions(cfg Config, appSecret string) (*server.Options, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("broker: no store dir")
	}
	opts := &server.Options{
		ServerName: ServerName,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true, // the app owns signals
		NoLog:      true, // our logger is set with SetLoggerV2
	}
	if cfg.Listen == "" {
		opts.DontListen = true
		return opts, nil
	}
	if len(cfg.Token) < MinTokenLen {
		return nil, fmt.Errorf("broker: listening on %s needs a token of at least %d characters", cfg.Listen, MinTokenLen)
	}
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("broker listen address %q: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("broker listen address %q: bad port", cfg.Listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT // nats-server reads 0 as its default, 4222
	}
	if host == "" {
		host = "0.0.0.0"
	}
	opts.Host, opts.Port = host, port
	appHash, err := hashed(appSecret)
	if err != nil {
		return nil, err
	}
	tokenHash, err := hashed(cfg.Token)
	if err != nil {
		return nil, err
	}
	remote := &server.User{Username: RemoteUser, Password: tokenHash}
	if cfg.AgentsOnly {
		remote.Permissions = agentPermissions()
	}
	opts.Users = []*server.User{{Username: AppUser, Password: appHash}, remote}
	return opts, nil
}

// waitReady waits until the server accepts clients, failing at once on a
// fatal server error (port in use, JetStream not starting).
func waitReady(ctx context.Context, srv *server.Server, log *serverLogger) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case msg := <-log.fatal:
			return fmt.Errorf("nats server: %s", msg)
		case <-ctx.Done():
			return fmt.Errorf("nats server start: %w", ctx.Err())
		default:
		}
		if srv.ReadyForConnections(50 * time.Millisecond) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nats server not ready after %s", readyTimeout)
		}
	}
	select {
	case msg := <-log.fatal:
		return fmt.Errorf("nats server: %s", msg)
	default:
	}
	if !srv.JetStreamEnabled() {
		return errors.New("nats server: jetstream not enabled")
	}
	return nil
}

// Conn is the app's in-process connection to the broker.
func (b *Broker) Conn() *nats.Conn { return b.nc }

// JetStream is the JetStream API on Conn.
func (b *Broker) JetStream() jetstream.JetStream { return b.js }

// Addr is the bound TCP address, nil when not listening.
func (b *Broker) Addr() net.Addr {
	if !b.listening {
		return nil
	}
	return b.srv.Addr()
}

// ClientURL is the nats:// URL agents connect to, "" when not listening.
// When bound to all interfaces it names 127.0.0.1: agents on other
// machines use this machine's LAN address with the same port.
func (b *Broker) ClientURL() string {
	addr, ok := b.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "nats://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Close drains the connection, shuts the server down, waits for it to
// finish writing and releases the store dir. It is safe to call twice.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.close() })
	return b.closeErr
}

func (b *Broker) close() error {
	var errs []error
	if err := b.nc.Drain(); err == nil {
		select {
		case <-b.closed:
		case <-time.After(drainTimeout + time.Second):
			b.nc.Close()
			errs = append(errs, errors.New("broker: drain timed out"))
		}
	} else if !errors.Is(err, nats.ErrConnectionClosed) {
		b.nc.Close()
	}
	if b.srv != nil { // an outside broker (Dial) keeps running
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
	if err := b.lock.release(); err != nil {
		errs = append(errs, fmt.Errorf("broker: release store lock: %w", err))
	}
	return errors.Join(errs...)
}
