//go:build !unix

package agent

import "os/exec"

// ownGroup is a no-op where there are no process groups: only the trainer
// itself is stopped, not processes it started.
func ownGroup(*exec.Cmd) {}

// terminateGroup kills the trainer: there is no SIGTERM to send.
func terminateGroup(cmd *exec.Cmd) error { return killGroup(cmd) }

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
