package redis

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// accountRecord is an Account as stored: unlike Account's JSON form (which
// the HTTP API sends), it keeps the password hash.
type accountRecord struct {
	Username     string    `json:"username"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"disabled,omitempty"`
}

// CreateAccount claims the name's confusable skeleton (see
// account_skeleton.go), then stores the account with SET NX, so that of
// two sign-ups for the same name, or for look-alike names, on any
// instances, exactly one wins.
func (s *Store) CreateAccount(ctx context.Context, a *tm.Account) error {
	data, err := json.Marshal(accountRecord{a.Username, a.PasswordHash, a.CreatedAt, a.Disabled})
	if err != nil {
		return corrupt(err, "account")
	}
	if err := s.claimOldAccounts(ctx); err != nil {
		return err
	}
	fresh, err := s.claimSkeleton(ctx, a.Username)
	if err != nil {
		return err
	}
	ok, err := s.rdb.SetNX(ctx, s.k.account(a.Username), data, 0).Result()
	if err != nil || !ok {
		if fresh {
			_ = s.releaseSkeleton(ctx, a.Username) // else it expires by itself
		}
		if err != nil {
			return unavailable(err, "cannot store the account")
		}
		return tm.Errorf(tm.EConflict, "the username is taken")
	}
	// The account is stored: a claim left pending (Redis failed between
	// the two commands) only expires, it never refuses this account.
	_ = s.confirmSkeleton(ctx, a.Username)
	return nil
}

// Account returns the account with that canonical username.
func (s *Store) Account(ctx context.Context, username string) (*tm.Account, error) {
	data, err := s.rdb.Get(ctx, s.k.account(username)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, tm.Errorf(tm.ENotFound, "no such account")
	} else if err != nil {
		return nil, unavailable(err, "cannot read the account")
	}
	var r accountRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, corrupt(err, "account")
	}
	return &tm.Account{Username: r.Username, PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt, Disabled: r.Disabled}, nil
}
