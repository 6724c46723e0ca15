package redis

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// maxUpdateTries bounds the optimistic retries of UpdateSession; reaching
// it means dozens of concurrent refreshes of one session, and the caller
// may retry.
const maxUpdateTries = 100

// UpdateSession applies fn optimistically: it reads the record, applies fn,
// extends the subject's index, and stores the result with a compare-and-set
// script that writes only if the record is still the one fn saw. When
// another instance changed it meanwhile, fn runs again on the fresh record.
// Unlike WATCH/MULTI, no connection is held while fn runs, so concurrent
// updates cannot exhaust the pool, and the one-key script works in a
// Cluster.
func (s *Store) UpdateSession(ctx context.Context, id string, fn func(*tm.Session) error) (*tm.Session, error) {
	for try := range maxUpdateTries {
		sess, stored, err := s.updateOnce(ctx, id, fn)
		if err != nil || stored {
			return sess, err
		}
		pause(ctx, try)
	}
	return nil, tm.Errorf(tm.EUnavailable, "the session is being updated concurrently; retry")
}

// updateOnce is one optimistic attempt; stored is false when it lost a race.
func (s *Store) updateOnce(ctx context.Context, id string, fn func(*tm.Session) error) (*tm.Session, bool, error) {
	key := s.k.session(id)
	old, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, false, tm.Errorf(tm.ENotFound, "no such session")
	} else if err != nil {
		return nil, false, unavailable(err, "cannot read the session")
	}
	sess, err := decodeSession([]byte(old))
	if err != nil {
		return nil, false, err
	}
	if err := fn(sess); err != nil {
		return nil, false, err
	}
	sess.ID = id
	data, err := encodeSession(sess)
	if err != nil {
		return nil, false, err
	}
	if err := s.indexSession(ctx, sess); err != nil {
		return nil, false, err
	}
	n, err := casScript.Run(ctx, s.rdb, []string{key}, old, data, expiryArg(sess.RefreshExpiresAt)).Int()
	if err != nil {
		return nil, false, unavailable(err, "cannot store the session")
	}
	return sess, n == 1, nil
}

// pause waits a little, more after each lost race, so that concurrent
// updaters of one session spread out instead of colliding in step.
func pause(ctx context.Context, try int) {
	d := time.Duration(rand.N(min(try+1, 20))) * 100 * time.Microsecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
