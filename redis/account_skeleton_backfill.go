package redis

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// claimOldAccounts claims the skeleton of every account written before
// skeleton claims existed, once per deployment: before the first sign-up
// an instance takes, unless tm:k:indexed says some instance has done it.
// A failure is retried at the next sign-up. Of two old accounts with one
// skeleton, the first scanned holds the claim; both stay.
func (s *Store) claimOldAccounts(ctx context.Context) error {
	if s.indexed.Load() {
		return nil
	}
	marker := s.k.skeleton("\x00indexed")
	n, err := s.rdb.Exists(ctx, marker).Result()
	if err != nil {
		return unavailable(err, "cannot read the username index")
	}
	if n == 0 {
		if err := s.forEachPrimary(ctx, s.claimAccountsOn); err != nil {
			return err
		}
		if err := s.rdb.Set(ctx, marker, "1", 0).Err(); err != nil {
			return unavailable(err, "cannot mark the username index")
		}
	}
	s.indexed.Store(true)
	return nil
}

// claimAccountsOn claims the skeletons of the accounts held by one primary.
func (s *Store) claimAccountsOn(ctx context.Context, c goredis.Cmdable, _ string) error {
	prefix := s.k.account("")
	iter := c.Scan(ctx, 0, globEscape(prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		name := strings.TrimPrefix(iter.Val(), prefix)
		if err := s.rdb.SetNX(ctx, s.k.skeleton(tm.UsernameSkeleton(name)), name, 0).Err(); err != nil {
			return unavailable(err, "cannot index an account")
		}
	}
	if err := iter.Err(); err != nil {
		return unavailable(err, "cannot scan the accounts")
	}
	return nil
}

// globEscape escapes the pattern characters of Redis's MATCH.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}
