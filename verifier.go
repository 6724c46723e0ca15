package tokenmanager

import "context"

// Verifier checks an access token: its signature, its claims and the
// cancelled set. The Manager, the service package's Service and the remote
// package's Verifier all satisfy it, so middleware and handlers do not
// care which one they were given.
type Verifier interface {
	Verify(ctx context.Context, raw string) (*Claims, error)
}

var _ Verifier = (*Manager)(nil)
