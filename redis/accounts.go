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

// CreateAccount stores a new account with SET NX, so that of two sign-ups
// for the same name, on any instances, exactly one wins.
func (s *Store) CreateAccount(ctx context.Context, a *tm.Account) error {
	data, err := json.Marshal(accountRecord{a.Username, a.PasswordHash, a.CreatedAt, a.Disabled})
	if err != nil {
		return corrupt(err, "account")
	}
	ok, err := s.rdb.SetNX(ctx, s.k.account(a.Username), data, 0).Result()
	if err != nil {
		return unavailable(err, "cannot store the account")
	} else if !ok {
		return tm.Errorf(tm.EConflict, "the username is taken")
	}
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
