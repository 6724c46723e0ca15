package storetest

import (
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

func testAccounts(t *testing.T, open Opener) {
	now := baseTime()
	alice := tokenmanager.Account{
		Username:     "alice",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
		CreatedAt:    now,
	}
	norm := func(a *tokenmanager.Account) tokenmanager.Account {
		c := *a
		c.CreatedAt = utc(c.CreatedAt)
		return c
	}

	t.Run("CreateThenGet", func(t *testing.T) {
		s := open(t)
		a := alice
		mustNil(t, s.CreateAccount(t.Context(), &a), "CreateAccount")
		got, err := s.Account(t.Context(), "alice")
		mustNil(t, err, "Account")
		sameValue(t, "account", norm(got), norm(&alice))
	})
	t.Run("ErrConflict", func(t *testing.T) {
		s := open(t)
		first, second := alice, alice
		second.PasswordHash = "another hash"
		mustNil(t, s.CreateAccount(t.Context(), &first), "CreateAccount")
		wantCode(t, s.CreateAccount(t.Context(), &second), tokenmanager.EConflict)
		got, err := s.Account(t.Context(), "alice")
		mustNil(t, err, "Account")
		sameValue(t, "account after a refused duplicate", norm(got), norm(&alice))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := open(t)
		_, err := s.Account(t.Context(), "alice")
		wantCode(t, err, tokenmanager.ENotFound)
		a := alice
		mustNil(t, s.CreateAccount(t.Context(), &a), "CreateAccount")
		_, err = s.Account(t.Context(), "bob")
		wantCode(t, err, tokenmanager.ENotFound)
	})
}
