package agent

import "syscall"

var syscallZero = syscall.Signal(0)
