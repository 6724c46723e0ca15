package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// testAccountLifecycle checks AccountEditor: updates are atomic and
// durable, deletion frees the name.
func testAccountLifecycle(t *testing.T, open Opener) {
	created := func(t *testing.T, s tokenmanager.Store) tokenmanager.Account {
		t.Helper()
		a := tokenmanager.Account{Username: "alice", PasswordHash: "hash-1", CreatedAt: baseTime()}
		mustNil(t, s.CreateAccount(t.Context(), &a), "CreateAccount")
		a.CreatedAt = utc(a.CreatedAt)
		return a
	}
	get := func(t *testing.T, s tokenmanager.Store, name string) tokenmanager.Account {
		t.Helper()
		a, err := s.Account(t.Context(), name)
		mustNil(t, err, "Account")
		c := *a
		c.CreatedAt = utc(c.CreatedAt)
		return c
	}
	t.Run("UpdateThenGet", func(t *testing.T) {
		s := open(t)
		want := created(t, s)
		got, err := s.UpdateAccount(t.Context(), "alice", func(a *tokenmanager.Account) error {
			a.PasswordHash, a.Disabled = "hash-2", true
			return nil
		})
		mustNil(t, err, "UpdateAccount")
		want.PasswordHash, want.Disabled = "hash-2", true
		sameValue(t, "returned account", got.PasswordHash+"/"+got.Username, "hash-2/alice")
		sameValue(t, "stored account", get(t, s, "alice"), want)
	})
	t.Run("UsernameKept", func(t *testing.T) {
		s := open(t)
		want := created(t, s)
		_, err := s.UpdateAccount(t.Context(), "alice", func(a *tokenmanager.Account) error {
			a.Username = "mallory"
			return nil
		})
		mustNil(t, err, "UpdateAccount")
		sameValue(t, "account", get(t, s, "alice"), want)
		_, err = s.Account(t.Context(), "mallory")
		wantCode(t, err, tokenmanager.ENotFound)
	})
	t.Run("FnErrorStoresNothing", func(t *testing.T) {
		s := open(t)
		want := created(t, s)
		boom := errors.New("boom")
		_, err := s.UpdateAccount(t.Context(), "alice", func(a *tokenmanager.Account) error {
			a.Disabled = true
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("UpdateAccount = %v, want fn's error", err)
		}
		sameValue(t, "account", get(t, s, "alice"), want)
	})
	t.Run("UpdateMissing", func(t *testing.T) {
		s := open(t)
		_, err := s.UpdateAccount(t.Context(), "nobody", func(*tokenmanager.Account) error { return nil })
		wantCode(t, err, tokenmanager.ENotFound)
		_, err = s.Account(t.Context(), "nobody")
		wantCode(t, err, tokenmanager.ENotFound)
	})
	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := open(t)
		created(t, s)
		const n = 20
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := s.UpdateAccount(t.Context(), "alice", func(a *tokenmanager.Account) error {
					a.PasswordHash += "+"
					return nil
				})
				if err != nil {
					t.Errorf("UpdateAccount: %v", err)
				}
			})
		}
		wg.Wait()
		if got := get(t, s, "alice").PasswordHash; len(got) != len("hash-1")+n {
			t.Fatalf("after %d concurrent updates the hash is %q: an update was lost", n, got)
		}
	})
	t.Run("DeleteFreesTheName", func(t *testing.T) {
		s := open(t)
		created(t, s)
		mustNil(t, s.DeleteAccount(t.Context(), "alice"), "DeleteAccount")
		_, err := s.Account(t.Context(), "alice")
		wantCode(t, err, tokenmanager.ENotFound)
		mustNil(t, s.DeleteAccount(t.Context(), "alice"), "DeleteAccount of a missing account")
		again := tokenmanager.Account{Username: "alice", PasswordHash: "new", CreatedAt: baseTime()}
		mustNil(t, s.CreateAccount(t.Context(), &again), "CreateAccount of a deleted name")
		sameValue(t, "new account's hash", get(t, s, "alice").PasswordHash, "new")
	})
	t.Run("DeleteKeepsOthers", func(t *testing.T) {
		s := open(t)
		created(t, s)
		bob := tokenmanager.Account{Username: "bob", PasswordHash: "b", CreatedAt: baseTime()}
		mustNil(t, s.CreateAccount(t.Context(), &bob), "CreateAccount")
		mustNil(t, s.DeleteAccount(t.Context(), "alice"), "DeleteAccount")
		sameValue(t, "other account", get(t, s, "bob").Username, "bob")
	})
}
