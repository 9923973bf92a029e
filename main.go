// Command tessera is the classroom AI lab: the desktop app by default,
// `tessera serve` for a classroom server, and subcommands for scripts.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tessera-lab/tessera/app"
	"github.com/tessera-lab/tessera/app/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Desktop: desktop()})
	stop()
	os.Exit(code)
}

// desktop returns the window runner, or nil in a build without the window
// (no `desktop` build tag), where `tessera` serves in the browser instead.
func desktop() func(context.Context, *cli.Instance) error {
	if !app.Available {
		return nil
	}
	return app.Run
}
