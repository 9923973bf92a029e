package cli_test

import (
	"context"
	"os"
	"testing"

	"github.com/tessera-lab/tessera/app/cli"
)

// TestMain lets this test binary stand in for the tessera binary when the
// local worker starts the built-in trainer as `<binary> trainer cpu …`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "trainer" {
		os.Exit(cli.Run(context.Background(), os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}
