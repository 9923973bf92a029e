package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/backend/auth"
	"github.com/tessera-lab/tessera/frontend"
)

type serveFlags struct {
	trainers      trainerFlags
	addr          string
	agentsListen  string
	agentToken    string
	adminPassword string
	tlsCert       string
	tlsKey        string
	nats          natsFlags
}

// addBrokerFlags adds the flags that choose the broker: the app's own,
// listening for agents or not, or an outside one.
func addBrokerFlags(fs *flag.FlagSet, sf *serveFlags, tokenHelp string) {
	fs.StringVar(&sf.agentsListen, "agents-listen", "", "accept GPU agents on this broker `address`, e.g. :4222")
	fs.StringVar(&sf.agentToken, "agent-token", "", tokenHelp)
	fs.StringVar(&sf.nats.url, "nats", "", "use this outside broker `url` instead of the app's own, e.g. a shared GPU box's `gpuagent --listen` (default $TESSERA_NATS)")
	fs.StringVar(&sf.nats.token, "nats-token", "", "the outside broker's `token` (default $TESSERA_NATS_TOKEN)")
}

func runServe(ctx context.Context, args []string, env Env) (*out, error) {
	fs, c := newFlags("serve", env)
	var sf serveFlags
	fs.StringVar(&sf.addr, "addr", "127.0.0.1:8080", "HTTP `address` to serve the UI and API on (\":8080\" for every interface)")
	addBrokerFlags(fs, &sf, "the token agents present (default $TESSERA_AGENT_TOKEN, else generated and printed)")
	fs.Var(&sf.trainers, "trainer", "offer a trainer program on the local worker: `NAME=PATH` (repeatable)")
	fs.StringVar(&sf.tlsCert, "tls-cert", "", "serve HTTPS with this certificate `file` (PEM; with --tls-key)")
	fs.StringVar(&sf.tlsKey, "tls-key", "", "the certificate's private key `file` (PEM)")
	fs.StringVar(&sf.adminPassword, "admin-password", "", "password of the first admin, used only while the database has no user (default $TESSERA_ADMIN_PASSWORD, else generated and printed)")
	o := &out{env: env, json: c.json}
	pos, err := parse(fs, args)
	if err != nil {
		return o, err
	}
	if len(pos) > 0 {
		return o, backend.Errorf(backend.EINVALID, "unexpected argument %q", pos[0])
	}
	return o, serve(ctx, c, sf, env)
}

func serve(ctx context.Context, c *common, sf serveFlags, env Env) error {
	// Flags are checked before anything starts.
	if (sf.tlsCert == "") != (sf.tlsKey == "") {
		return backend.Errorf(backend.EINVALID, "--tls-cert and --tls-key go together")
	}
	if sf.tlsCert != "" {
		if _, err := tls.LoadX509KeyPair(sf.tlsCert, sf.tlsKey); err != nil {
			return backend.Errorf(backend.EINVALID, "--tls-cert/--tls-key: %v", err)
		}
	}
	inst, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer inst.Close()
	adminPassword := sf.adminPassword
	if adminPassword == "" {
		adminPassword = env.Getenv("TESSERA_ADMIN_PASSWORD")
	}
	if err := ensureAdmin(ctx, inst, adminPassword, env); err != nil {
		return err
	}
	token, generated := "", false
	if sf.agentsListen != "" {
		token, generated = agentToken(sf.agentToken, env)
	}
	sf.nats.fill(env)
	if err := inst.connectBroker(ctx, sf.nats, sf.agentsListen, token); err != nil {
		return err
	}
	if err := inst.startBackground(ctx); err != nil {
		return err
	}
	inst.startTraining(ctx, append(builtinTrainers(), sf.trainers...))
	sayHowAgentsConnect(inst, token, generated, env)

	mux := http.NewServeMux()
	mux.Handle("/api/", inst.APIHandler(api.ModeServer))
	assets, built := frontend.Assets()
	if !built {
		fmt.Fprintln(env.Stderr, "warning: the frontend is not built (run make build); the UI shows a placeholder")
	}
	mux.Handle("/", api.Static(assets))

	ln, err := net.Listen("tcp", sf.addr)
	if err != nil {
		return backend.Errorf(backend.EINVALID, "cannot listen on %s: %v", sf.addr, err)
	}
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	srv.RegisterOnShutdown(cancel) // ends the live streams so Shutdown can finish
	errc := make(chan error, 1)
	scheme := "http"
	if sf.tlsCert != "" {
		scheme = "https"
		go func() { errc <- srv.ServeTLS(ln, sf.tlsCert, sf.tlsKey) }()
	} else {
		if !isLoopback(ln.Addr()) {
			fmt.Fprintln(env.Stderr, "warning: serving plain HTTP beyond this computer: passwords and sessions cross the network unencrypted (use --tls-cert/--tls-key, or a TLS proxy in front)")
		}
		go func() { errc <- srv.Serve(ln) }()
	}
	fmt.Fprintf(env.Stdout, "Tessera listening on %s\n", displayURL(scheme, ln.Addr()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(env.Stdout, "Tessera stopped")
	return nil
}

// displayURL is the address a person types: localhost for "every interface".
func displayURL(scheme string, a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

func isLoopback(a net.Addr) bool {
	host, _, _ := net.SplitHostPort(a.String())
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ensureAdmin creates the first admin of an empty database, so a new
// classroom server can be signed into at once.
func ensureAdmin(ctx context.Context, inst *Instance, password string, env Env) error {
	n, err := inst.DB.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		if password != "" {
			fmt.Fprintln(env.Stderr, "warning: the admin password given is not used: the database has users already (change one with `tessera user password --name NAME`)")
		}
		return nil
	}
	shown := password == ""
	if shown {
		password = auth.NewToken()[:20]
	}
	if _, err := inst.Auth.CreateUser(ctx, "admin", backend.RoleAdmin, password); err != nil {
		return err
	}
	if shown {
		fmt.Fprintf(env.Stdout, "Created the first user: admin, password %s (change it with `tessera user password --name admin`)\n", password)
	}
	return nil
}

// agentToken is the token agents present: --agent-token, else
// $TESSERA_AGENT_TOKEN, else a new one (generated true).
func agentToken(flagValue string, env Env) (token string, generated bool) {
	if flagValue != "" {
		return flagValue, false
	}
	if t := env.Getenv("TESSERA_AGENT_TOKEN"); t != "" {
		return t, false
	}
	return auth.NewToken(), true
}

// sayHowAgentsConnect prints the agent's command line for a listening
// broker; the token itself only when it was generated (one the operator
// set stays out of logs).
func sayHowAgentsConnect(inst *Instance, token string, generated bool, env Env) {
	u := inst.Broker.ClientURL()
	if u == "" {
		return
	}
	if generated {
		fmt.Fprintf(env.Stdout, "GPU agents connect with: gpuagent --broker %s --token %s\n", u, token)
		fmt.Fprintln(env.Stdout, "(a token made for this run: set TESSERA_AGENT_TOKEN to keep one across restarts)")
		return
	}
	fmt.Fprintf(env.Stdout, "GPU agents connect with: gpuagent --broker %s --token <the agent token you set>\n", u)
}
