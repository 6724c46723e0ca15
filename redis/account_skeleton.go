package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// An account's confusable skeleton (tm.UsernameSkeleton) is claimed in
// tm:k:<skeleton>, holding the canonical username, before the account
// itself is written (the two keys may live on different Cluster nodes, so
// they are written in order, not in one script). The claim is first
// written with a short expiry (pending), made permanent once the account
// exists: a sign-up that dies between the two leaves a claim that expires
// by itself. A permanent claim whose account is gone (a deletion that
// died between its two writes) is taken over. So SET NX on the claim is
// what makes two concurrent sign-ups of look-alike names, on any
// instances, end with exactly one account.

// pendingClaim bounds how long a sign-up's claim lives before its account
// is written.
const pendingClaim = 30 * time.Second

func (k keys) skeleton(s string) string { return k.p + ":k:" + s }

// takeOverScript replaces a permanent claim held by ARGV[1] (whose
// account is gone) with a pending one of ARGV[2] for ARGV[3] ms; with
// ARGV[1] = ARGV[2], it makes the caller's own claim pending again.
var takeOverScript = goredis.NewScript(`
local ttl = redis.call('PTTL', KEYS[1])
if redis.call('GET', KEYS[1]) == ARGV[1] and (ttl == -1 or ARGV[1] == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`)

// confirmScript makes ARGV[1]'s claim permanent, or writes it if the
// claim vanished meanwhile (a deletion of the same name released it).
var confirmScript = goredis.NewScript(`
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return redis.call('PERSIST', KEYS[1]) end
if not owner then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0
`)

// releaseScript deletes KEYS[1] if it holds ARGV[1].
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// claimSkeleton claims name's skeleton, pending. fresh says whether this
// call wrote a new claim (so that a failed sign-up may release it). A
// claim name holds already (its account exists, or a deletion is under
// way) is made pending again, so that nobody takes it over meanwhile.
// Another live account's claim, or another sign-up's pending one, is
// EConflict.
func (s *Store) claimSkeleton(ctx context.Context, name string) (fresh bool, err error) {
	key := s.k.skeleton(tm.UsernameSkeleton(name))
	for range maxUpdateTries {
		ok, err := s.rdb.SetNX(ctx, key, name, pendingClaim).Result()
		if err != nil {
			return false, unavailable(err, "cannot claim the username")
		} else if ok {
			return true, nil
		}
		owner, err := s.rdb.Get(ctx, key).Result()
		switch {
		case errors.Is(err, goredis.Nil): // released meanwhile: try again
			continue
		case err != nil:
			return false, unavailable(err, "cannot read the username claim")
		case owner == name:
			if took, err := s.runTakeOver(ctx, key, name, name); err != nil || took {
				return false, err
			}
			continue
		}
		return s.takeOver(ctx, key, owner, name)
	}
	return false, tm.Errorf(tm.EUnavailable, "the username is being claimed concurrently; retry")
}

// takeOver takes a permanent claim whose owner's account is gone; any
// other claim is a conflict. The claim is seen permanent before the
// account is looked for: an owner confirms its claim only after writing
// its account, so a permanent claim with no account is one whose account
// was deleted.
func (s *Store) takeOver(ctx context.Context, key, owner, name string) (bool, error) {
	ttl, err := s.rdb.PTTL(ctx, key).Result()
	if err != nil {
		return false, unavailable(err, "cannot read the username claim")
	} else if ttl != -1 { // pending: another sign-up is writing its account
		return false, tm.Errorf(tm.EConflict, "the username looks like one being signed up")
	}
	n, err := s.rdb.Exists(ctx, s.k.account(owner)).Result()
	if err != nil {
		return false, unavailable(err, "cannot read the account")
	} else if n == 1 {
		return false, tm.Errorf(tm.EConflict, "the username looks like an existing one")
	}
	took, err := s.runTakeOver(ctx, key, owner, name)
	if err == nil && !took {
		err = tm.Errorf(tm.EConflict, "the username looks like one being signed up")
	}
	return took, err
}

func (s *Store) runTakeOver(ctx context.Context, key, owner, name string) (bool, error) {
	took, err := takeOverScript.Run(ctx, s.rdb, []string{key}, owner, name, pendingClaim.Milliseconds()).Int()
	if err != nil {
		return false, unavailable(err, "cannot claim the username")
	}
	return took == 1, nil
}

// confirmSkeleton makes name's claim permanent once its account exists.
func (s *Store) confirmSkeleton(ctx context.Context, name string) error {
	if err := confirmScript.Run(ctx, s.rdb, []string{s.k.skeleton(tm.UsernameSkeleton(name))}, name).Err(); err != nil {
		return unavailable(err, "cannot confirm the username claim")
	}
	return nil
}

// releaseSkeleton deletes name's claim, if name holds it.
func (s *Store) releaseSkeleton(ctx context.Context, name string) error {
	if err := releaseScript.Run(ctx, s.rdb, []string{s.k.skeleton(tm.UsernameSkeleton(name))}, name).Err(); err != nil {
		return unavailable(err, "cannot release the username claim")
	}
	return nil
}
