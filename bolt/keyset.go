package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// keyKeySet is the one key of the key set bucket.
var keyKeySet = []byte("current")

// KeySet returns the stored key set, or ENotFound before InitKeySet.
func (s *Store) KeySet(ctx context.Context) (*tokenmanager.KeySet, error) {
	var ks *tokenmanager.KeySet
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		ks, err = getKeySet(tx)
		return err
	})
	return ks, err
}

// InitKeySet stores ks unless a key set is stored already, and returns the
// stored one. Write transactions are serialised, so of two callers the
// first one's set wins and both get it.
func (s *Store) InitKeySet(ctx context.Context, ks *tokenmanager.KeySet) (*tokenmanager.KeySet, error) {
	v, err := encode(ks)
	if err != nil {
		return nil, err
	}
	var stored *tokenmanager.KeySet
	err = s.update(ctx, func(tx *bbolt.Tx) error {
		cur, err := getKeySet(tx)
		if tokenmanager.ErrorCode(err) != tokenmanager.ENotFound {
			stored = cur
			return err
		}
		stored = ks
		return put(tx.Bucket(bucketKeys), keyKeySet, v)
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

func getKeySet(tx *bbolt.Tx) (*tokenmanager.KeySet, error) {
	v := tx.Bucket(bucketKeys).Get(keyKeySet)
	if v == nil {
		return nil, tokenmanager.Errorf(tokenmanager.ENotFound, "no key set is stored yet")
	}
	var ks tokenmanager.KeySet
	if err := decode(v, &ks); err != nil {
		return nil, err
	}
	return &ks, nil
}

// UpdateKeySet applies fn to the stored key set in one write transaction
// (key rotation). It fails with ENotFound before InitKeySet.
func (s *Store) UpdateKeySet(ctx context.Context, fn func(*tokenmanager.KeySet) error) (*tokenmanager.KeySet, error) {
	var ks *tokenmanager.KeySet
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		var err error
		if ks, err = getKeySet(tx); err != nil {
			return err
		}
		if err := fn(ks); err != nil {
			return err
		}
		v, err := encode(ks)
		if err != nil {
			return err
		}
		return put(tx.Bucket(bucketKeys), keyKeySet, v)
	})
	if err != nil {
		return nil, err
	}
	return ks, nil
}

var _ tokenmanager.KeyRotator = (*Store)(nil)
