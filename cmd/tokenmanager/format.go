package main

import (
	"context"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// formatUpgrader is a store whose format is checked, and upgraded, on first
// contact rather than in its Open (Redis, which may be down at Open; the
// embedded store checks its file in bolt.Open).
type formatUpgrader interface {
	UpgradeFormat(ctx context.Context) error
}

// upgradeFormat checks and upgrades the store's format, if it has one to
// check: a newer format than this binary reads is an error.
func upgradeFormat(ctx context.Context, s tokenmanager.Store) error {
	if u, ok := s.(formatUpgrader); ok {
		return u.UpgradeFormat(ctx)
	}
	return nil
}

// refuseNewerFormat makes the server exit at once when the shared store is
// reachable and of a newer format, instead of retrying its start forever.
// An unreachable store is left to the start-up retries, which check again.
func refuseNewerFormat(ctx context.Context, s tokenmanager.Store) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := upgradeFormat(ctx, s); err != nil && tokenmanager.ErrorCode(err) != tokenmanager.EUnavailable {
		return err
	}
	return nil
}
