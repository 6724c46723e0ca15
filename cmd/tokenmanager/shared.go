package main

import (
	"context"
	"fmt"

	"github.com/tokenmanager/tokenmanager"
)

// openShared opens the shared store named by --store.
func openShared(ctx context.Context, c *Config) (tokenmanager.Store, tokenmanager.Feed, error) {
	return nil, nil, fmt.Errorf("--store: shared stores are not built in yet")
}
