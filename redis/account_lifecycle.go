package redis

import (
	"context"
	"encoding/json"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// UpdateAccount applies fn optimistically, as UpdateSession does: it reads
// the record, applies fn, and stores the result with a compare-and-set
// script that writes only if the record is still the one fn saw; when
// another instance changed it meanwhile, fn runs again on the fresh record.
func (s *Store) UpdateAccount(ctx context.Context, username string, fn func(*tm.Account) error) (*tm.Account, error) {
	for try := range maxUpdateTries {
		a, stored, err := s.updateAccountOnce(ctx, username, fn)
		if err != nil || stored {
			return a, err
		}
		pause(ctx, try)
	}
	return nil, tm.Errorf(tm.EUnavailable, "the account is being updated concurrently; retry")
}

// updateAccountOnce is one optimistic attempt; stored is false when it
// lost a race.
func (s *Store) updateAccountOnce(ctx context.Context, username string, fn func(*tm.Account) error) (*tm.Account, bool, error) {
	key := s.k.account(username)
	old, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, false, tm.Errorf(tm.ENotFound, "no such account")
	} else if err != nil {
		return nil, false, unavailable(err, "cannot read the account")
	}
	var r accountRecord
	if err := json.Unmarshal([]byte(old), &r); err != nil {
		return nil, false, corrupt(err, "account")
	}
	a := &tm.Account{Username: r.Username, PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt, Disabled: r.Disabled}
	if err := fn(a); err != nil {
		return nil, false, err
	}
	a.Username = username
	data, err := json.Marshal(accountRecord{a.Username, a.PasswordHash, a.CreatedAt, a.Disabled})
	if err != nil {
		return nil, false, corrupt(err, "account")
	}
	n, err := casScript.Run(ctx, s.rdb, []string{key}, old, data, 0).Int()
	if err != nil {
		return nil, false, unavailable(err, "cannot store the account")
	}
	return a, n == 1, nil
}

// DeleteAccount removes the account, then its skeleton claim; a missing
// one is not an error.
func (s *Store) DeleteAccount(ctx context.Context, username string) error {
	if err := s.rdb.Del(ctx, s.k.account(username)).Err(); err != nil {
		return unavailable(err, "cannot delete the account")
	}
	return s.releaseSkeleton(ctx, username) // if this fails, the next sign-up takes the claim over
}
