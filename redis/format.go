package redis

import (
	"context"
	"errors"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// FormatVersion is the key layout this package reads and writes (the
// package documentation). The layout's format is stored in <prefix>:format;
// a Redis without that key holds format 1 (the layout of the releases
// before formats were numbered) or nothing at all.
const FormatVersion = 2

// upgrades[v-1] turns a layout of format v into format v+1. A change of
// layout adds its step here (idempotent: instances may run it at once, and
// a step cut short runs again) and increments FormatVersion.
var upgrades = []func(*Store, context.Context) error{
	// 1 -> 2: the username skeleton claims (tm:k:<skeleton>) of the
	// accounts written before claims existed (account_skeleton_backfill.go).
	(*Store).claimOldAccounts,
}

// UpgradeFormat checks the layout's format before the store is used: it
// refuses a newer one (written by a newer tokenmanager, which this binary
// would misread), upgrades an older one, and records the format. The
// server and the operator commands call it on start; Open cannot, since
// it does no I/O. An unreachable Redis is EUnavailable (try again); a
// newer or unreadable format is EInvalid (retrying will not help: run a
// tokenmanager that reads it).
func (s *Store) UpgradeFormat(ctx context.Context) error {
	v, err := s.storedFormat(ctx)
	if err != nil {
		return err
	}
	if v > FormatVersion {
		return tm.Errorf(tm.EInvalid,
			"the Redis store (prefix %q) is of format %d, written by a newer tokenmanager; this one reads format %d at most: run the newer version",
			s.cfg.prefix, v, FormatVersion)
	}
	for ; v < FormatVersion; v++ {
		if err := upgrades[v-1](s, ctx); err != nil {
			return err
		}
	}
	return s.recordFormat(ctx)
}

// storedFormat returns the recorded format, 1 when none is.
func (s *Store) storedFormat(ctx context.Context) (int, error) {
	raw, err := s.rdb.Get(ctx, s.k.format()).Result()
	if errors.Is(err, goredis.Nil) {
		return 1, nil
	} else if err != nil {
		return 0, unavailable(err, "cannot read the store's format from Redis")
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 1 {
		return 0, tm.Errorf(tm.EInvalid, "the Redis store's format %q (key %s) is not a version number", raw, s.k.format())
	}
	return v, nil
}

// recordFormat stores FormatVersion unless a newer binary recorded its own
// meanwhile, which is then refused.
func (s *Store) recordFormat(ctx context.Context) error {
	err := recordFormatScript.Run(ctx, s.rdb, []string{s.k.format()}, FormatVersion).Err()
	if err != nil && !errors.Is(err, goredis.Nil) {
		if refusedNewer(err) {
			return tm.Errorf(tm.EInvalid, "a newer tokenmanager upgraded the Redis store meanwhile: run the newer version")
		}
		return unavailable(err, "cannot record the store's format in Redis")
	}
	return nil
}

// recordFormatScript sets the format to ARGV[1] unless it is higher.
var recordFormatScript = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur and cur > tonumber(ARGV[1]) then return redis.error_reply('NEWER format ' .. cur) end
redis.call('SET', KEYS[1], ARGV[1])
return 1`)

func refusedNewer(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && len(re.Error()) >= 5 && re.Error()[:5] == "NEWER"
}
