package http_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// signOutDuringRotation is the store seen by a server whose refresh is
// overtaken by a sign-out: when armed, the session is signed out between
// the refresh's read of the session and its rotation.
type signOutDuringRotation struct {
	tokenmanager.Store
	armed   atomic.Bool
	signOut func(ctx context.Context, id string) error
}

func (s *signOutDuringRotation) UpdateSession(ctx context.Context, id string, fn func(*tokenmanager.Session) error) (*tokenmanager.Session, error) {
	if s.armed.CompareAndSwap(true, false) {
		if err := s.signOut(ctx, id); err != nil {
			return nil, err
		}
	}
	return s.Store.UpdateSession(ctx, id, fn)
}

// wantRefreshRefused checks the one refusal of a refresh: 401
// invalid_grant with the same message whatever the reason.
func wantRefreshRefused(t *testing.T, r *response) {
	t.Helper()
	wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidGrant)
	if got := decode[map[string]string](t, r)["error_description"]; got != "the refresh token is not valid; sign in again" {
		t.Fatalf("error_description = %q, want the one message of every refused refresh", got)
	}
}

// TestRefreshRacingSignOut: a refresh whose session is signed out while
// it runs answered 404 not_found; it is the one 401 of every refusal.
func TestRefreshRacingSignOut(t *testing.T) {
	var store *signOutDuringRotation
	e := newEnv(t, func(s *setup) {
		s.wrap = func(st tokenmanager.Store) tokenmanager.Store {
			store = &signOutDuringRotation{Store: st}
			return store
		}
	})
	store.signOut = e.mgr.CancelSession
	p := e.user(t, "alice")
	t.Run("Deterministic", func(t *testing.T) {
		store.armed.Store(true)
		wantRefreshRefused(t, e.refresh(t, p.RefreshToken))
	})
	t.Run("Concurrent", func(t *testing.T) {
		for range 20 {
			p := e.signIn(t, "alice")
			var wg sync.WaitGroup
			var r *response
			wg.Go(func() { r = e.refresh(t, p.RefreshToken) })
			wg.Go(func() { e.call(t, "POST", "/sign-out", nil, "Bearer", p.AccessToken) })
			wg.Wait()
			if r.Status != http.StatusOK {
				wantRefreshRefused(t, r)
			}
		}
	})
}

// TestRefreshOneRefusal: every way a refresh token can fail gets the same
// status, code, message and challenge, so the answer tells nothing about
// the session behind it.
func TestRefreshOneRefusal(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.grace = 0 })
	alice := e.user(t, "alice")
	retired := e.signIn(t, "alice")
	e.refresh(t, retired.RefreshToken)
	cancelled := e.signIn(t, "alice")
	wantStatus(t, e.call(t, "POST", "/sign-out", nil, "Bearer", cancelled.AccessToken), http.StatusNoContent)
	expired := e.signIn(t, "alice")
	flipped := []byte(alice.RefreshToken)
	flipped[len(flipped)-2] ^= 1
	tokens := []struct{ name, token string }{
		{"Malformed", "not-a-refresh-token"},
		{"AccessToken", alice.AccessToken},
		{"BadMAC", string(flipped)},
		{"Retired", retired.RefreshToken},
		{"SignedOut", cancelled.RefreshToken},
		{"Expired", expired.RefreshToken},
	}
	var first *response
	for _, tc := range tokens {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "Expired" {
				e.clock.Advance(1000 * time.Hour)
			}
			r := e.refresh(t, tc.token)
			wantRefreshRefused(t, r)
			if first == nil {
				first = r
			} else if string(r.Body) != string(first.Body) || r.Header.Get("WWW-Authenticate") != first.Header.Get("WWW-Authenticate") {
				t.Fatalf("answer %s %q differs from %s %q", r.Body, r.Header.Get("WWW-Authenticate"), first.Body, first.Header.Get("WWW-Authenticate"))
			}
		})
	}
}
