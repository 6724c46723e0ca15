package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

var _ tm.StatusStore = (*Store)(nil)

// Each Token Status List is two keys in one slot (the list id is their
// hash tag): the number of reserved entries, and the bits. Both expire
// with the list. Redis numbers a string's bits from the most significant
// of each byte, the status list from the least significant, so entry i is
// Redis bit 8*(i/8) + 7 - i%8: GET then returns the list's bytes as the
// draft lays them out.
func (k keys) statusNext(list string) string { return k.p + ":st:{" + list + "}:next" }
func (k keys) statusBits(list string) string { return k.p + ":st:{" + list + "}:bits" }

// reserveStatusScript reserves ARGV[1] entries and extends the list's life
// to ARGV[2] (Unix ms) unless it lives longer; it returns the first entry.
//
// KEYS: next, bits.
var reserveStatusScript = goredis.NewScript(`
local last = redis.call('INCRBY', KEYS[1], ARGV[1])
local exp = tonumber(ARGV[2])
if redis.call('PEXPIRETIME', KEYS[1]) < exp then
  redis.call('PEXPIREAT', KEYS[1], exp)
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIREAT', KEYS[2], exp) end
end
return last - tonumber(ARGV[1])
`)

// invalidateStatusScript sets Redis bit ARGV[1] of a list that still
// exists, giving the bits the list's expiry.
//
// KEYS: next, bits.
var invalidateStatusScript = goredis.NewScript(`
local exp = redis.call('PEXPIRETIME', KEYS[1])
if exp <= 0 then return 0 end
redis.call('SETBIT', KEYS[2], ARGV[1], 1)
redis.call('PEXPIREAT', KEYS[2], exp)
return 1
`)

// ReserveStatusIndices implements tokenmanager.StatusStore.
func (s *Store) ReserveStatusIndices(ctx context.Context, list string, n uint64, expires time.Time) (uint64, error) {
	first, err := reserveStatusScript.Run(ctx, s.rdb, []string{s.k.statusNext(list), s.k.statusBits(list)},
		n, expires.UnixMilli()).Uint64()
	if err != nil {
		return 0, unavailable(err, "cannot reserve status list entries in Redis")
	}
	return first, nil
}

// InvalidateStatus implements tokenmanager.StatusStore: one script per
// entry, pipelined (EVAL: a pipeline cannot fall back from EVALSHA).
// Durable as the cancellations are (appendfsync).
func (s *Store) InvalidateStatus(ctx context.Context, refs []tm.StatusRef) error {
	pipe := s.rdb.Pipeline()
	for _, r := range refs {
		bit := 8*(r.Index/8) + 7 - r.Index%8
		invalidateStatusScript.Eval(ctx, pipe, []string{s.k.statusNext(r.List), s.k.statusBits(r.List)}, bit)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		if !errors.Is(err, goredis.Nil) {
			return unavailable(err, "cannot update the status list in Redis")
		}
	}
	return nil
}

// StatusList implements tokenmanager.StatusStore.
func (s *Store) StatusList(ctx context.Context, list string) ([]byte, uint64, error) {
	vals, err := s.rdb.MGet(ctx, s.k.statusNext(list), s.k.statusBits(list)).Result()
	if err != nil {
		return nil, 0, unavailable(err, "cannot read the status list from Redis")
	}
	next, _ := vals[0].(string)
	if next == "" {
		return nil, 0, tm.Errorf(tm.ENotFound, "no such status list")
	}
	var size uint64
	for _, c := range next {
		size = size*10 + uint64(c-'0')
	}
	bits, _ := vals[1].(string)
	return []byte(bits), size, nil
}
