package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// signInFrom signs in as user with pw from addr (through X-Forwarded-For)
// and checks the status.
func (e *env) signInFrom(t *testing.T, user, pw, addr string, status int) *response {
	t.Helper()
	r := e.call(t, "POST", "/sign-in", creds(user, pw), "X-Forwarded-For", addr)
	switch status {
	case 401:
		wantError(t, r, 401, tokenmanager.EInvalidGrant)
	case 429:
		wantError(t, r, 429, tokenmanager.ERateLimited)
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("a 429 without Retry-After")
		}
	default:
		wantStatus(t, r, status)
	}
	return r
}

// TestSignInThrottlingIPv6: IPv6 clients are limited per /64, so one
// subscriber cannot take a fresh limit from each of its 2^64 addresses.
func TestSignInThrottlingIPv6(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.TrustProxyHeaders = true } })
	e.user(t, "alice")
	for i := range 3 {
		e.signInFrom(t, "alice", "wrong password", fmt.Sprintf("2001:db8:1:2::%x", i+1), 401)
	}
	t.Run("SameSlash64Locked", func(t *testing.T) { e.signInFrom(t, "alice", password, "2001:db8:1:2:abcd::99", 429) })
	t.Run("OtherSlash64NotLocked", func(t *testing.T) { e.signInFrom(t, "alice", password, "2001:db8:1:3::1", 200) })
}

// TestSignInDistributedGuesser: 3 failures a minute per network and 6 a
// minute per user across networks. A guesser with an address per guess
// gets 6 at once, then one every 10 s (429 with Retry-After meanwhile);
// alice, from the network she signed in from before, is never slowed.
func TestSignInDistributedGuesser(t *testing.T) {
	e := newEnv(t, func(s *setup) {
		s.server = func(srv *tmhttp.Server) { srv.TrustProxyHeaders = true }
		s.limiter = func(l *tokenmanager.Limiter) { l.WithUserLimit(tokenmanager.Limit{N: 6, Window: time.Minute}) }
	})
	e.user(t, "alice")
	const home = "198.51.100.7"
	e.signInFrom(t, "alice", password, home, 200)
	bot := func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }
	for i := range 6 {
		e.signInFrom(t, "alice", "wrong password", bot(i), 401)
	}
	t.Run("Paced", func(t *testing.T) {
		r := e.signInFrom(t, "alice", "wrong password", bot(10), 429)
		if ra := r.Header.Get("Retry-After"); ra != "10" {
			t.Fatalf("Retry-After = %q, want 10 (a minute / 6)", ra)
		}
	})
	t.Run("HomeNotSlowed", func(t *testing.T) { e.signInFrom(t, "alice", password, home, 200) })
	t.Run("NewDeviceWaitsItsTurn", func(t *testing.T) {
		e.signInFrom(t, "alice", password, "192.0.2.50", 429)
		e.clock.Advance(10 * time.Second)
		e.signInFrom(t, "alice", password, "192.0.2.50", 200)
	})
	t.Run("SlowedNotLockedOut", func(t *testing.T) {
		e.signInFrom(t, "alice", "wrong password", bot(19), 401) // the turn alice's success gave back
		for i := range 3 {
			e.clock.Advance(10 * time.Second)
			e.signInFrom(t, "alice", "wrong password", bot(20+i), 401)
			e.signInFrom(t, "alice", "wrong password", bot(30+i), 429)
		}
	})
	t.Run("PerNetworkLimitStillApplies", func(t *testing.T) {
		for range 3 {
			e.signInFrom(t, "alice", "wrong password", home, 401)
		}
		e.signInFrom(t, "alice", password, home, 429)
	})
}

// TestSignInLimiterTableFull: with room for two keys, a third evicts the
// oldest and is counted in the metrics, and the newcomer is still
// limited: a full table never lets guesses through untracked.
func TestSignInLimiterTableFull(t *testing.T) {
	e := newEnv(t, func(s *setup) {
		s.server = func(srv *tmhttp.Server) { srv.TrustProxyHeaders = true }
		s.limiter = func(l *tokenmanager.Limiter) { l.MaxKeys = 2 }
	})
	e.user(t, "alice")
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		for range 3 {
			e.signInFrom(t, "alice", "wrong password", addr, 401)
		}
		e.signInFrom(t, "alice", password, addr, 429)
	}
	r := e.call(t, "GET", "/metrics", nil)
	if want := "tokenmanager_sign_in_limiter_evictions_total 1\n"; !strings.Contains(string(r.Body), want) {
		t.Fatalf("metrics lack %q", want)
	}
}
