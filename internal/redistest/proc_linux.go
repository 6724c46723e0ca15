package redistest

import (
	"os/exec"
	"syscall"
)

// orphanProof makes the kernel kill redis-server when the test binary dies,
// so that a crashed or timed-out test leaves no server behind.
func orphanProof(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
