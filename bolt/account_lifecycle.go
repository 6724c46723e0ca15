package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// UpdateAccount applies fn to the account in one write transaction:
// bbolt serialises writers, so fn always sees the current record.
func (s *Store) UpdateAccount(ctx context.Context, username string, fn func(*tokenmanager.Account) error) (*tokenmanager.Account, error) {
	var a *tokenmanager.Account
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		v := b.Get([]byte(username))
		if v == nil {
			return tokenmanager.Errorf(tokenmanager.ENotFound, "no account %q", username)
		}
		var err error
		if a, err = decodeAccount(v); err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
		a.Username = username
		if v, err = encodeAccount(a); err != nil {
			return err
		}
		return put(b, []byte(username), v)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// DeleteAccount removes the account; a missing one is not an error.
func (s *Store) DeleteAccount(ctx context.Context, username string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		if err := releaseSkeleton(tx, username); err != nil {
			return err
		}
		return del(tx.Bucket(bucketAccounts), []byte(username))
	})
}
