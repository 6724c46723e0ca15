// Package wait holds the one context-aware sleep that the replica, the
// remote verifier and the program share.
package wait

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends, and reports whether it waited all of d,
// so that retry loops read `for wait.Sleep(ctx, d) { … }`.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
