package redis

import (
	"context"
	"encoding/json"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

var _ tm.KeyRotator = (*Store)(nil)

// UpdateKeySet applies fn to the stored key set (key rotation) with an
// optimistic compare-and-set: of two instances rotating at once, one wins
// and the other retries on the winner's set.
func (s *Store) UpdateKeySet(ctx context.Context, fn func(*tm.KeySet) error) (*tm.KeySet, error) {
	for try := range maxUpdateTries {
		ks, stored, err := s.updateKeySetOnce(ctx, fn)
		if err != nil || stored {
			return ks, err
		}
		pause(ctx, try)
	}
	return nil, tm.Errorf(tm.EUnavailable, "the key set is being updated concurrently; retry")
}

func (s *Store) updateKeySetOnce(ctx context.Context, fn func(*tm.KeySet) error) (*tm.KeySet, bool, error) {
	old, err := s.rdb.Get(ctx, s.k.keySet()).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, false, tm.Errorf(tm.ENotFound, "no key set is stored yet")
	} else if err != nil {
		return nil, false, unavailable(err, "cannot read the key set")
	}
	ks, err := decodeKeySet([]byte(old))
	if err != nil {
		return nil, false, err
	}
	if err := fn(ks); err != nil {
		return nil, false, err
	}
	data, err := json.Marshal(ks)
	if err != nil {
		return nil, false, corrupt(err, "key set")
	}
	n, err := casScript.Run(ctx, s.rdb, []string{s.k.keySet()}, old, data, 0).Int()
	if err != nil {
		return nil, false, unavailable(err, "cannot store the key set")
	}
	return ks, n == 1, nil
}
