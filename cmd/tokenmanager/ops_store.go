package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/service"
)

// openExisting opens the store an operator command acts on when no server
// answers on the admin socket. It never creates one: an operator command
// given the wrong data directory (or none, next to a Redis deployment)
// must fail, not write a cancellation into a new empty store and print
// "ok". The embedded store exists when its file does; a shared store
// exists once a server has started on it (it then holds the key set).
func openExisting(ctx context.Context, c *Config, log *slog.Logger) (tokenmanager.Store, error) {
	if c.Store == "" {
		path := filepath.Join(c.DataDir, "tokenmanager.db")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, errNoStore(c)
		} else if err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
	}
	store, err := service.OpenStore(ctx, storeURL(c), log)
	if err != nil || c.Store == "" {
		return store, err
	}
	if _, err := store.KeySet(ctx); tokenmanager.ErrorCode(err) == tokenmanager.ENotFound {
		store.Close()
		return nil, fmt.Errorf("the shared store %s holds no TokenManager data (no server has started on it); "+
			"check --store, TOKENMANAGER_STORE or the --config file", storeName(c))
	} else if err != nil {
		store.Close()
		return nil, fmt.Errorf("the shared store %s: %s", storeName(c), tokenmanager.ErrorMessage(err))
	}
	return store, nil
}

// errNoStore says why an operator command found nothing to act on, naming
// the directory, and how to point it at the right store.
func errNoStore(c *Config) error {
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		abs = c.DataDir
	}
	server := "no server answers on " + adminSocketPath(c)
	if adminSocketPath(c) == "" {
		server = "the admin socket is off"
	}
	return fmt.Errorf("%s and there is no store in %s (no tokenmanager.db); "+
		"give the --data-dir of a server, or --store (TOKENMANAGER_STORE, --config) for a shared store", server, abs)
}
