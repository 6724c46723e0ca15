package service

import (
	"context"
	"log/slog"

	"github.com/tokenmanager/tokenmanager"
)

// formatUpgrader is a store whose format is checked, and upgraded, on
// first contact rather than when it is opened (Redis, which may be down
// then; the embedded store checks its file in bolt.Open). A newer format
// than the binary reads is EInvalid, which start does not retry.
type formatUpgrader interface {
	UpgradeFormat(ctx context.Context) error
}

// upgradeFormat checks and upgrades the store's format, if it has one to
// check.
func upgradeFormat(ctx context.Context, s tokenmanager.Store) error {
	if u, ok := s.(formatUpgrader); ok {
		return u.UpgradeFormat(ctx)
	}
	return nil
}

// storeLogger is a store that logs its own trouble: the embedded store
// says once that its disk is full, and once that it can write again.
type storeLogger interface {
	SetLogger(*slog.Logger)
}

func setStoreLogger(s tokenmanager.Store, l *slog.Logger) {
	if sl, ok := s.(storeLogger); ok {
		sl.SetLogger(l)
	}
}
