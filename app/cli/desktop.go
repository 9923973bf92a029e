package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/tessera-lab/tessera/backend"
)

// runDesktop opens the desktop window. Without a display (a server, an SSH
// session) or in a build without the window, it serves the same UI in a
// browser instead.
func runDesktop(ctx context.Context, args []string, env Env) (*out, error) {
	fs, c := newFlags("", env)
	var sf serveFlags
	addBrokerFlags(fs, &sf, "the token agents present (default $TESSERA_AGENT_TOKEN)")
	route := fs.String("open", "", "open the window at this page, e.g. '#/projects/1/monitor'")
	fs.Var(&sf.trainers, "trainer", "offer a trainer program on the local worker: `NAME=PATH` (repeatable)")
	o := &out{env: env, json: c.json}
	pos, err := parse(fs, args)
	if err != nil {
		return o, err
	}
	if len(pos) > 0 {
		return o, backend.Errorf(backend.EINVALID, "unexpected argument %q", pos[0])
	}
	if env.Desktop == nil || !hasDisplay(env.Getenv) {
		why := "no display found"
		if env.Desktop == nil {
			why = "this build has no desktop window"
		}
		fmt.Fprintf(env.Stdout, "%s: serving Tessera in the browser instead\n", why)
		sf.addr = "127.0.0.1:8080"
		return o, serve(ctx, c, sf, env)
	}
	inst, err := open(ctx, c)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	inst.StartRoute = *route
	token, generated := "", false
	if sf.agentsListen != "" {
		token, generated = agentToken(sf.agentToken, env)
	}
	sf.nats.fill(env)
	if err := inst.connectBroker(ctx, sf.nats, sf.agentsListen, token); err != nil {
		return o, err
	}
	if err := inst.startBackground(ctx); err != nil {
		return o, err
	}
	inst.startTraining(ctx, append(builtinTrainers(), sf.trainers...))
	sayHowAgentsConnect(inst, token, generated, env)
	return o, env.Desktop(ctx, inst)
}

func hasDisplay(getenv func(string) string) bool {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}
