package redis

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// Compile-time proof that the store is a complete backend and a change feed.
var (
	_ tm.Store = (*Store)(nil)
	_ tm.Feed  = (*Store)(nil)
)

// Store is the shared store of a deployment with many instances: accounts,
// sessions, the key set and the cancelled set live in Redis (standalone,
// Sentinel or Cluster), and every Cancel is published on a change feed that
// each instance's Replica follows.
type Store struct {
	rdb     goredis.UniversalClient // every store operation
	feed    goredis.UniversalClient // the feed's blocking reads, on their own connections
	k       keys
	cfg     config
	log     *slog.Logger
	checked atomic.Bool // the persistence settings were read once
	indexed atomic.Bool // accounts older than the skeleton claims were claimed (account_skeleton_backfill.go)
}

// Open returns a store for the Redis at rawURL. It only checks the URL and
// does no I/O, so that a program starts, and reports itself not ready, while
// Redis is unreachable; the clients connect on first use and reconnect by
// themselves.
//
// The accepted URL forms (query parameters are go-redis options such as
// dial_timeout=3s, read_timeout=2s or pool_size=20):
//
//	redis://[user:pass@]host[:6379][/db][?options]
//	rediss://[user:pass@]host[:6379][/db][?options]                     (TLS)
//	redis+sentinel://[user:pass@]host1[:26379][,host2[:26379]...]/mastername[/db][?options]
//	rediss+sentinel://...                                               (TLS)
//	redis+cluster://[user:pass@]host1[:6379][,host2[:6379]...][?options]
//	rediss+cluster://...                                                (TLS)
//
// In the Sentinel form the credentials are those of the primary and its
// replicas; the Sentinels' own, if any, are the sentinel_username and
// sentinel_password query parameters. A Cluster URL's hosts are seeds: the
// client learns the other nodes from them.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, tm.Wrap(tm.EInvalid, err, err.Error())
	}
	t, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return &Store{
		rdb: t.client(false, cfg.tls), feed: t.client(true, cfg.tls),
		k: keys{cfg.prefix}, cfg: cfg, log: cfg.logger,
	}, nil
}

// Ping reports whether Redis answers. The first successful Ping also reads
// Redis's persistence settings and logs a warning when they put
// acknowledged cancellations at risk.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return unavailable(err, "the token store (Redis) is unreachable")
	}
	s.checkPersistence(ctx)
	return nil
}

// Close closes the clients; a running Watch returns soon after.
func (s *Store) Close() error {
	return errors.Join(s.rdb.Close(), s.feed.Close())
}

// unavailable wraps a Redis failure: the caller may retry, and nothing was
// acknowledged.
func unavailable(err error, msg string) error {
	return tm.Wrap(tm.EUnavailable, err, msg)
}

// corrupt reports a stored value that cannot be decoded: a bug or another
// program writing under the store's prefix, never the client's fault.
func corrupt(err error, what string) error {
	return tm.Wrap(tm.EInternal, err, "a stored "+what+" cannot be read")
}
