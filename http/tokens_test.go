package http_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// refresh presents a refresh token.
func (e *env) refresh(t testing.TB, token string) *response {
	t.Helper()
	return e.call(t, "POST", "/tokens/refresh", map[string]string{"refresh_token": token})
}

// works reports whether an access token is accepted right now.
func (e *env) works(t testing.TB, access string) bool {
	t.Helper()
	r := e.call(t, "GET", "/account", nil, "Bearer", access)
	if r.Status != http.StatusOK {
		wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidToken)
	}
	return r.Status == http.StatusOK
}

func TestRefreshRotates(t *testing.T) {
	e := newEnv(t) // no reuse grace
	p := e.user(t, "alice")
	r := e.refresh(t, p.RefreshToken)
	wantStatus(t, r, http.StatusOK)
	next := decode[tokenmanager.TokenPair](t, r)
	t.Run("NewPair", func(t *testing.T) {
		if next.RefreshToken == p.RefreshToken || next.AccessToken == p.AccessToken || next.SessionID != p.SessionID {
			t.Fatalf("pair not rotated within the session: %+v", next)
		}
		if !e.works(t, next.AccessToken) || !e.works(t, p.AccessToken) {
			t.Fatal("access tokens of the session must keep working")
		}
	})
	t.Run("RetiredTokenCancelsSession", func(t *testing.T) {
		wantError(t, e.refresh(t, p.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		wantError(t, e.refresh(t, next.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		if e.works(t, next.AccessToken) || e.works(t, p.AccessToken) {
			t.Fatal("a stolen refresh token must cancel the whole session")
		}
	})
	for _, tc := range []struct{ name, token string }{
		{"Garbage", "not-a-token"},
		{"AccessTokenAsRefresh", p.AccessToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.refresh(t, tc.token), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		})
	}
	t.Run("Missing", func(t *testing.T) {
		wantError(t, e.call(t, "POST", "/tokens/refresh", `{}`), http.StatusBadRequest, tokenmanager.EInvalid)
	})
}

func TestRefreshReuseGrace(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.grace = 5 * time.Second })
	p := e.user(t, "alice")
	first := decode[tokenmanager.TokenPair](t, e.refresh(t, p.RefreshToken))
	t.Run("WithinGraceGetsCurrentPair", func(t *testing.T) {
		r := e.refresh(t, p.RefreshToken)
		wantStatus(t, r, http.StatusOK)
		if again := decode[tokenmanager.TokenPair](t, r); again.RefreshToken != first.RefreshToken {
			t.Fatal("a second tab must get the session's current refresh token")
		}
	})
	t.Run("AfterGraceCancelsSession", func(t *testing.T) {
		e.clock.Advance(6 * time.Second)
		wantError(t, e.refresh(t, p.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		wantError(t, e.refresh(t, first.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		if e.works(t, first.AccessToken) {
			t.Fatal("the session's access tokens must be cancelled")
		}
	})
}

func TestRefreshExpired(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	e.clock.Advance(721 * time.Hour)
	wantError(t, e.refresh(t, p.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
}

func TestRevokeRefresh(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	other := e.signIn(t, "alice")
	revoke := func(token string) *response {
		return e.call(t, "POST", "/tokens/revoke", map[string]string{"refresh_token": token})
	}
	wantStatus(t, revoke(p.RefreshToken), http.StatusNoContent)
	t.Run("SessionCancelled", func(t *testing.T) {
		wantError(t, e.refresh(t, p.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		if e.works(t, p.AccessToken) {
			t.Fatal("the session's access token must be cancelled")
		}
	})
	t.Run("OtherSessionUntouched", func(t *testing.T) {
		if !e.works(t, other.AccessToken) {
			t.Fatal("another session must keep working")
		}
	})
	t.Run("AgainIs204", func(t *testing.T) { wantStatus(t, revoke(p.RefreshToken), http.StatusNoContent) })
	t.Run("UnknownIs204", func(t *testing.T) { wantStatus(t, revoke("garbage"), http.StatusNoContent) })
	t.Run("Missing", func(t *testing.T) { wantError(t, revoke(""), http.StatusBadRequest, tokenmanager.EInvalid) })
}

func TestCancelToken(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	same := decode[tokenmanager.TokenPair](t, e.refresh(t, p.RefreshToken)) // same session
	other := e.signIn(t, "alice")
	wantStatus(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", p.AccessToken), http.StatusNoContent)
	t.Run("CancelledTokenIs401", func(t *testing.T) {
		r := e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken)
		wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidToken)
		wantError(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", p.AccessToken), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
	t.Run("OtherTokensWork", func(t *testing.T) {
		if !e.works(t, same.AccessToken) || !e.works(t, other.AccessToken) {
			t.Fatal("only the presented token may be cancelled")
		}
	})
	t.Run("NoToken", func(t *testing.T) {
		wantError(t, e.call(t, "POST", "/tokens/cancel", nil), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
}

func TestSignOut(t *testing.T) {
	for _, tc := range []struct {
		scope                        string
		current, other, otherRefresh bool // what still works after
	}{
		{"", false, true, true},
		{"local", false, true, true},
		{"others", true, false, false},
		{"global", false, false, false},
	} {
		t.Run("Scope="+tc.scope, func(t *testing.T) {
			e := newEnv(t)
			cur := e.user(t, "alice")
			other := e.signIn(t, "alice")
			bob := e.user(t, "bob")
			wantStatus(t, e.call(t, "POST", "/sign-out?scope="+tc.scope, nil, "Bearer", cur.AccessToken), http.StatusNoContent)
			if e.works(t, cur.AccessToken) != tc.current || e.works(t, other.AccessToken) != tc.other {
				t.Fatalf("after sign-out: current works %v, other works %v", !tc.current, !tc.other)
			}
			if got := e.refresh(t, other.RefreshToken).Status == http.StatusOK; got != tc.otherRefresh {
				t.Fatalf("other session's refresh works = %v, want %v", got, tc.otherRefresh)
			}
			if got := e.refresh(t, cur.RefreshToken).Status == http.StatusOK; got != tc.current {
				t.Fatalf("current session's refresh works = %v, want %v", got, tc.current)
			}
			if !e.works(t, bob.AccessToken) {
				t.Fatal("another user must be untouched")
			}
		})
	}
	t.Run("UnknownScope", func(t *testing.T) {
		e := newEnv(t)
		p := e.user(t, "alice")
		wantError(t, e.call(t, "POST", "/sign-out?scope=everything", nil, "Bearer", p.AccessToken), http.StatusBadRequest, tokenmanager.EInvalid)
		if !e.works(t, p.AccessToken) {
			t.Fatal("a refused sign-out must cancel nothing")
		}
	})
	t.Run("GlobalThenSignInWorks", func(t *testing.T) {
		e := newEnv(t)
		p := e.user(t, "alice")
		wantStatus(t, e.call(t, "POST", "/sign-out?scope=global", nil, "Bearer", p.AccessToken), http.StatusNoContent)
		if !e.works(t, e.signIn(t, "alice").AccessToken) {
			t.Fatal("a sign-in right after a global sign-out must work")
		}
	})
}
