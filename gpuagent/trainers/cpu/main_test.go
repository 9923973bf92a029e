package cpu

import (
	"os"
	"testing"
)

// childEnv makes the test binary run the trainer instead of the tests, so
// a test can start the trainer as a real process and signal it.
const childEnv = "TESSERA_CPU_TRAINER_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
