package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/redis"
)

// OpenStore opens the store named by rawURL:
//
//	bolt:PATH                        the embedded store in the file PATH (created with its directory)
//	redis://…, rediss://…            a shared Redis (see the redis package for every form)
//	redis+sentinel://…, redis+cluster://…, rediss+sentinel://…, rediss+cluster://…
//
// A shared store is opened without I/O: an unreachable Redis is not an
// error here, only when it is used.
func OpenStore(ctx context.Context, rawURL string, logger *slog.Logger) (tokenmanager.Store, error) {
	scheme, rest, ok := strings.Cut(rawURL, ":")
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "store %q has no scheme: want bolt:PATH or redis://…", rawURL)
	}
	switch scheme {
	case "bolt":
		return openBolt(strings.TrimPrefix(rest, "//"))
	case "redis", "rediss", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster":
		if logger == nil {
			logger = slog.Default()
		}
		routeOnce.Do(func() { redis.RouteClientLogs(logger) }) // go-redis's logger is global
		return redis.Open(ctx, rawURL, redis.WithLogger(logger))
	}
	return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "store scheme %q is not one of bolt, redis, rediss, redis+sentinel, redis+cluster", scheme)
}

var routeOnce sync.Once

func openBolt(path string) (tokenmanager.Store, error) {
	if path == "" {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "store bolt: names no file")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	s, err := bolt.Open(path)
	if err != nil {
		return nil, fmt.Errorf("embedded store %s: %w", path, err)
	}
	return s, nil
}

// Exclusive is implemented by stores that no other process can write while
// this one has them open (the embedded store holds a lock on its file): a
// replica of such a store needs no feed.
type Exclusive interface {
	Exclusive() bool
}

// feedOf returns the store's change feed, nil for an exclusive store, or an
// error for a store that others may write but that has no feed: a replica
// on it would never hear of their cancellations.
func feedOf(s tokenmanager.Store) (tokenmanager.Feed, error) {
	if f, ok := s.(tokenmanager.Feed); ok {
		return f, nil
	}
	if e, ok := s.(Exclusive); ok && e.Exclusive() {
		return nil, nil
	}
	return nil, tokenmanager.Errorf(tokenmanager.EInvalid,
		"store %T has no change feed and does not declare itself exclusive: a replica on it would never hear of the cancellations other processes make", s)
}
