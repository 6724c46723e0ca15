package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

func TestSignUp(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.call(t, "POST", "/sign-up", creds("taken", password)), http.StatusCreated)
	for _, tc := range []struct {
		name, user, pw string
		status         int
		code           string
	}{
		{"OK", "Alice", password, http.StatusCreated, ""},
		{"Taken", "taken", password, http.StatusConflict, tokenmanager.EConflict},
		{"TakenOtherCase", "TAKEN", password, http.StatusConflict, tokenmanager.EConflict},
		{"TakenFullWidth", "ｔａｋｅｎ", password, http.StatusConflict, tokenmanager.EConflict},
		{"EmptyName", "", password, http.StatusBadRequest, tokenmanager.EInvalid},
		{"SpaceInName", "a b", password, http.StatusBadRequest, tokenmanager.EInvalid},
		{"ShortPassword", "bob", "short", http.StatusBadRequest, tokenmanager.EInvalid},
		{"LongName", strings.Repeat("x", 65), password, http.StatusBadRequest, tokenmanager.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "POST", "/sign-up", creds(tc.user, tc.pw))
			if tc.code != "" {
				wantError(t, r, tc.status, tc.code)
				return
			}
			wantStatus(t, r, tc.status)
			acc := decode[map[string]any](t, r)
			if acc["username"] != "alice" || acc["created_at"] == nil || len(acc) != 2 {
				t.Fatalf("account = %v, want alice and created_at only", acc)
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	t.Run("OK", func(t *testing.T) {
		r := e.call(t, "POST", "/sign-in", creds("ALICE", password))
		wantStatus(t, r, http.StatusOK)
		p := decode[map[string]any](t, r)
		for _, k := range []string{"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in", "session_id"} {
			if p[k] == nil || p[k] == "" {
				t.Errorf("token response lacks %s: %v", k, p)
			}
		}
		if p["token_type"] != "Bearer" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token_type %v, Cache-Control %q", p["token_type"], r.Header.Get("Cache-Control"))
		}
	})
	wrong := e.call(t, "POST", "/sign-in", creds("alice", "wrong password"))
	unknown := e.call(t, "POST", "/sign-in", creds("nobody", password))
	t.Run("WrongPassword", func(t *testing.T) { wantError(t, wrong, http.StatusUnauthorized, tokenmanager.EInvalidGrant) })
	t.Run("UnknownUser", func(t *testing.T) { wantError(t, unknown, http.StatusUnauthorized, tokenmanager.EInvalidGrant) })
	t.Run("HugeUsername", func(t *testing.T) {
		r := e.call(t, "POST", "/sign-in", creds(strings.Repeat("a", 60<<10), password))
		wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidGrant)
	})
	t.Run("SameAnswerForBoth", func(t *testing.T) {
		if string(wrong.Body) != string(unknown.Body) || wrong.Header.Get("WWW-Authenticate") != unknown.Header.Get("WWW-Authenticate") {
			t.Fatalf("%s != %s", wrong.Body, unknown.Body)
		}
	})
}

func TestSignInRateLimited(t *testing.T) {
	e := newEnv(t) // 3 failures per minute
	e.user(t, "alice")
	for range 3 {
		wantError(t, e.call(t, "POST", "/sign-in", creds("alice", "wrong password")), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
	}
	t.Run("RightPasswordRefused", func(t *testing.T) {
		wantError(t, e.call(t, "POST", "/sign-in", creds("alice", password)), http.StatusTooManyRequests, tokenmanager.ERateLimited)
	})
	t.Run("OtherUserUnaffected", func(t *testing.T) {
		e.user(t, "bob")
	})
	t.Run("LiftsAfterWindow", func(t *testing.T) {
		e.clock.Advance(61e9)
		e.signIn(t, "alice")
	})
}

func TestSignInSessionMeta(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.TrustProxyHeaders = true } })
	e.user(t, "alice")
	p := e.signIn(t, "alice", "User-Agent", "phone/1.0", "X-Forwarded-For", "203.0.113.9, 198.51.100.7")
	r := e.call(t, "GET", "/sessions", nil, "Bearer", p.AccessToken)
	wantStatus(t, r, http.StatusOK)
	list := decode[sessionList](t, r)
	s := list.find(p.SessionID)
	if s == nil || s.UserAgent != "phone/1.0" || s.Address != "198.51.100.7" || !s.Current {
		t.Fatalf("session = %+v", s)
	}
}

func TestAccount(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	t.Run("OK", func(t *testing.T) {
		r := e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken)
		wantStatus(t, r, http.StatusOK)
		if acc := decode[map[string]any](t, r); acc["username"] != "alice" {
			t.Fatalf("account = %v", acc)
		}
	})
	t.Run("NoToken", func(t *testing.T) {
		r := e.call(t, "GET", "/account", nil)
		wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidToken)
		if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="tokenmanager"` {
			t.Fatalf("WWW-Authenticate = %q, want the challenge with the realm", got)
		}
	})
	t.Run("Garbage", func(t *testing.T) {
		wantError(t, e.call(t, "GET", "/account", nil, "Bearer", "a.b.c"), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
	t.Run("RefreshTokenAsBearer", func(t *testing.T) {
		wantError(t, e.call(t, "GET", "/account", nil, "Bearer", p.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
	t.Run("Expired", func(t *testing.T) {
		e.clock.Advance(10 * 60e9)
		defer e.clock.Advance(-10 * 60e9)
		wantError(t, e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
}
