package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// CreateAccount stores a new account under its (already canonical)
// username; a taken username, or a look-alike of one (the same
// UsernameSkeleton), is EConflict. Both are checked in the one write
// transaction, and bbolt serialises writers.
func (s *Store) CreateAccount(ctx context.Context, a *tokenmanager.Account) error {
	if a.Username == "" {
		return tokenmanager.Errorf(tokenmanager.EInvalid, "the account has no username")
	}
	v, err := encodeAccount(a)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		if b.Get([]byte(a.Username)) != nil {
			return tokenmanager.Errorf(tokenmanager.EConflict, "the username %q is taken", a.Username)
		}
		if err := claimSkeleton(tx, a.Username); err != nil {
			return err
		}
		return put(b, []byte(a.Username), v)
	})
}

// Account returns the account with that canonical username, or ENotFound.
func (s *Store) Account(ctx context.Context, username string) (*tokenmanager.Account, error) {
	var a *tokenmanager.Account
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketAccounts).Get([]byte(username))
		if v == nil {
			return tokenmanager.Errorf(tokenmanager.ENotFound, "no account %q", username)
		}
		var err error
		a, err = decodeAccount(v)
		return err
	})
	return a, err
}
