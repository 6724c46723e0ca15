package redis

import (
	"context"
	"encoding/json"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// KeySet returns the stored key set. Its private keys are in Redis in
// clear, like the rest of the store: protect Redis (password, TLS, network)
// as you would the key file it replaces.
func (s *Store) KeySet(ctx context.Context) (*tm.KeySet, error) {
	data, err := s.rdb.Get(ctx, s.k.keySet()).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, tm.Errorf(tm.ENotFound, "no key set is stored yet")
	} else if err != nil {
		return nil, unavailable(err, "cannot read the key set")
	}
	return decodeKeySet(data)
}

// InitKeySet stores ks unless a key set is stored, with one SET NX GET: of
// instances starting at once, the first write wins and every instance gets
// the winner's keys back.
func (s *Store) InitKeySet(ctx context.Context, ks *tm.KeySet) (*tm.KeySet, error) {
	data, err := json.Marshal(ks)
	if err != nil {
		return nil, corrupt(err, "key set")
	}
	old, err := s.rdb.SetArgs(ctx, s.k.keySet(), data, goredis.SetArgs{Mode: "NX", Get: true}).Bytes()
	if errors.Is(err, goredis.Nil) {
		return decodeKeySet(data) // ours was stored: return a copy, as a read would
	} else if err != nil {
		return nil, unavailable(err, "cannot store the key set")
	}
	return decodeKeySet(old)
}

func decodeKeySet(data []byte) (*tm.KeySet, error) {
	var ks tm.KeySet
	if err := json.Unmarshal(data, &ks); err != nil {
		return nil, corrupt(err, "key set")
	}
	return &ks, nil
}
