//go:build !linux

package redistest

import "os/exec"

// orphanProof does nothing where there is no parent-death signal; t.Cleanup
// still kills the server when the test ends normally.
func orphanProof(cmd *exec.Cmd) {}
