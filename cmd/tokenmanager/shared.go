package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/redis"
)

// openShared opens the shared Redis store named by --store. It checks the
// URL only: an unreachable Redis is not an error here (the server starts
// and reports not ready until Redis answers).
func openShared(ctx context.Context, c *Config, log *slog.Logger) (tokenmanager.Store, tokenmanager.Feed, error) {
	routeOnce.Do(func() { redis.RouteClientLogs(log) }) // before the first client: go-redis's logger is global
	s, err := redis.Open(ctx, c.Store, redis.WithLogger(log))
	if err != nil {
		return nil, nil, fmt.Errorf("--store: %s", tokenmanager.ErrorMessage(err))
	}
	return s, s, nil
}

var routeOnce sync.Once
