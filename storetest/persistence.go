package storetest

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// RunPersistence checks that a store keeps what it acknowledged across a
// close and a reopen of the same directory: accounts, sessions (with an
// update and a delete), cancellations (merged) and the key set. open
// returns the store kept in dir; RunPersistence closes every store it
// opens, so open must not close it itself.
func RunPersistence(t *testing.T, open func(t *testing.T, dir string) tokenmanager.Store) {
	t.Helper()
	dir, now := t.TempDir(), baseTime()
	s := open(t, dir)
	written := writeEverything(t, s, now)
	mustNil(t, s.Close(), "Close")

	s = closing(func(t *testing.T) tokenmanager.Store { return open(t, dir) })(t)
	checkEverything(t, s, now, written)
}

// persisted is what writeEverything stored, as a reopened store must
// return it.
type persisted struct {
	account   tokenmanager.Account
	session   *tokenmanager.Session
	cancels   []tokenmanager.Cancellation
	keys      *tokenmanager.KeySet
	gone      string               // a deleted session
	cancelled *tokenmanager.Claims // claims of a token cancelled by jti
}

func writeEverything(t *testing.T, s tokenmanager.Store, now time.Time) persisted {
	t.Helper()
	p := persisted{
		account: tokenmanager.Account{Username: "alice", PasswordHash: "hash", CreatedAt: now, Disabled: true},
		session: newSession("sess-1", "alice", now), keys: newKeySet('a', now), gone: "sess-2",
		cancels: []tokenmanager.Cancellation{
			cancellation(tokenmanager.KindToken, "jti-1", now, now.Add(time.Hour)),
			cancellation(tokenmanager.KindSession, "sess-3", now.Add(time.Minute), now.Add(2*time.Hour)),
			cancellation(tokenmanager.KindSubject, "bob", now, now.Add(720*time.Hour)),
		},
		cancelled: &tokenmanager.Claims{Issuer: issuer, ID: "jti-1", Subject: "alice", IssuedAt: now.Add(-time.Minute)},
	}
	a := p.account
	mustNil(t, s.CreateAccount(t.Context(), &a), "CreateAccount")
	mustCreateSessions(t, s, newSession("sess-1", "alice", now), newSession(p.gone, "alice", now))
	_, err := s.UpdateSession(t.Context(), "sess-1", func(x *tokenmanager.Session) error {
		x.Generation++
		return nil
	})
	mustNil(t, err, "UpdateSession")
	p.session.Generation++
	mustNil(t, s.DeleteSession(t.Context(), p.gone), "DeleteSession")
	// The session entry is cancelled twice: the reopened store must hold
	// the merge, not the last write.
	mustCancel(t, s, p.cancels...)
	mustCancel(t, s, cancellation(tokenmanager.KindSession, "sess-3", now, now.Add(time.Hour)))
	_, err = s.InitKeySet(t.Context(), newKeySet('a', now))
	mustNil(t, err, "InitKeySet")
	return p
}

func checkEverything(t *testing.T, s tokenmanager.Store, now time.Time, p persisted) {
	t.Helper()
	a, err := s.Account(t.Context(), p.account.Username)
	mustNil(t, err, "Account after reopen")
	a.CreatedAt = utc(a.CreatedAt)
	p.account.CreatedAt = utc(p.account.CreatedAt)
	sameValue(t, "account after reopen", *a, p.account)

	sameSession(t, mustSession(t, s, p.session.ID), p.session)
	_, err = s.Session(t.Context(), p.gone)
	wantCode(t, err, tokenmanager.ENotFound)
	ss, err := s.Sessions(t.Context(), "alice")
	mustNil(t, err, "Sessions after reopen")
	sameValue(t, "sessions after reopen", sessionIDs(ss), []string{p.session.ID})

	sameCancellations(t, mustCancellations(t, s, now), p.cancels...)
	cancelled, err := s.IsCancelled(t.Context(), p.cancelled)
	mustNil(t, err, "IsCancelled after reopen")
	if !cancelled {
		t.Fatal("a token cancelled before the reopen is not cancelled after it")
	}

	ks, err := s.KeySet(t.Context())
	mustNil(t, err, "KeySet after reopen")
	sameKeySet(t, "key set after reopen", ks, p.keys)
}
