package http_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// TestSignInThrottling: failures are counted per username and client
// address (3 a minute here), so an attacker locks out only their own
// address, and the lock lifts when the window ends however hard they
// keep trying. Each step runs after the previous ones.
func TestSignInThrottling(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.TrustProxyHeaders = true } })
	e.user(t, "alice")
	e.user(t, "bob")
	const attacker, home = "203.0.113.66", "198.51.100.7"
	for _, st := range []struct {
		name, user, pw, addr string
		advance              time.Duration
		status               int
	}{
		{"Failure1", "alice", "wrong password", attacker, 0, 401},
		{"Failure2", "alice", "wrong password", attacker, 0, 401},
		{"Failure3", "alice", "wrong password", attacker, 0, 401},
		{"LockedAtThatAddress", "alice", password, attacker, 0, 429},
		{"LockedForLookAlikeSpelling", "ＡＬＩＣＥ", password, attacker, 0, 429},
		{"OtherAddressNotLocked", "alice", password, home, 0, 200},
		{"OtherUserAtThatAddressNotLocked", "bob", password, attacker, 0, 200},
		{"HammeringWhileLocked", "alice", "wrong password", attacker, 30 * time.Second, 429},
		{"HammeringStillLocked", "alice", "wrong password", attacker, 0, 429},
		{"LiftsAfterTheWindow", "alice", password, attacker, 31 * time.Second, 200},
		{"SuccessesDoNotCount", "alice", password, attacker, 0, 200},
		{"FreshWindowAfterLift", "alice", "wrong password", attacker, 0, 401},
	} {
		t.Run(st.name, func(t *testing.T) {
			e.clock.Advance(st.advance)
			r := e.call(t, "POST", "/sign-in", creds(st.user, st.pw), "X-Forwarded-For", st.addr)
			switch st.status {
			case 200:
				wantStatus(t, r, 200)
			case 401:
				wantError(t, r, 401, tokenmanager.EInvalidGrant)
			case 429:
				wantError(t, r, 429, tokenmanager.ERateLimited)
				if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
					t.Fatalf("Retry-After %q, want 1..60 seconds", r.Header.Get("Retry-After"))
				}
			}
		})
	}
}

// TestSignInTimingHidesUsernames compares the median time of a wrong
// sign-in for an unknown name and for a known one, with the real argon2id
// parameters: an unknown name is checked against a dummy hash, so both
// cost one hash. Medians of interleaved runs keep it robust to noise.
func TestSignInTimingHidesUsernames(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 40 passwords with the real argon2id parameters")
	}
	e := newEnv(t, func(s *setup) { s.argon = tokenmanager.DefaultArgon2; s.limit = tokenmanager.Limit{} })
	e.user(t, "alice")
	timed := func(name string) time.Duration {
		start := time.Now()
		wantError(t, e.call(t, "POST", "/sign-in", creds(name, "wrong password")), 401, tokenmanager.EInvalidGrant)
		return time.Since(start)
	}
	const runs = 20
	var known, unknown []time.Duration
	for i := range runs {
		known = append(known, timed("alice"))
		unknown = append(unknown, timed(fmt.Sprintf("nobody%d", i)))
	}
	k, u := median(known), median(unknown)
	ratio := float64(k) / float64(u)
	t.Logf("median sign-in: known user %s, unknown user %s, ratio %.2f", k, u, ratio)
	if ratio < 0.5 || ratio > 2 {
		t.Fatalf("known/unknown = %.2f: the time tells whether a username exists", ratio)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestSecretsNeverLeak runs sign-in, refresh, theft detection and every
// kind of cancellation with the log at debug level, then checks that no
// password and no token (nor a token's signature) appears in an error
// response, the log or the metrics.
func TestSecretsNeverLeak(t *testing.T) {
	e := newEnv(t)
	const pw, wrongPw = "hunter2-the-password", "hunter3-a-wrong-guess"
	root := e.user(t, "root")
	wantStatus(t, e.call(t, "POST", "/sign-up", creds("alice", pw)), http.StatusCreated)
	signIn := func() tokenmanager.TokenPair {
		r := e.call(t, "POST", "/sign-in", creds("alice", pw))
		wantStatus(t, r, http.StatusOK)
		return decode[tokenmanager.TokenPair](t, r)
	}
	a, b, c, d := signIn(), signIn(), signIn(), signIn()
	a2 := decode[tokenmanager.TokenPair](t, e.refresh(t, a.RefreshToken))
	secrets := []string{pw, wrongPw, password}
	for _, p := range []tokenmanager.TokenPair{root, a, a2, b, c, d} {
		secrets = append(secrets, p.AccessToken, p.RefreshToken, p.AccessToken[strings.LastIndexByte(p.AccessToken, '.')+1:])
	}
	tampered := b.AccessToken[:len(b.AccessToken)-4] + "AAAA"
	admin := []string{"Bearer", root.AccessToken}
	for _, st := range []struct {
		name, method, path string
		body               any
		hdr                []string
		status             int
	}{
		{"SignInWrongPassword", "POST", "/sign-in", creds("alice", wrongPw), nil, 401},
		{"SignInUnknownUser", "POST", "/sign-in", creds("nobody", pw), nil, 401},
		{"SignUpTaken", "POST", "/sign-up", creds("alice", pw), nil, 409},
		{"RefreshReplayedIsTheft", "POST", "/tokens/refresh", map[string]string{"refresh_token": a.RefreshToken}, nil, 401},
		{"AccessAfterTheft", "GET", "/account", nil, []string{"Bearer", a2.AccessToken}, 401},
		{"TokenInQueryString", "GET", "/account?access_token=" + b.AccessToken, nil, nil, 401},
		{"TamperedBearer", "GET", "/account", nil, []string{"Bearer", tampered}, 401},
		{"CancelOwnToken", "POST", "/tokens/cancel", nil, []string{"Bearer", b.AccessToken}, 204},
		{"CancelledBearer", "GET", "/auth/verify", nil, []string{"Bearer", b.AccessToken}, 401},
		{"AdminCancelsToken", "POST", "/admin/tokens/cancel", map[string]string{"token": c.AccessToken}, admin, 204},
		{"AdminCancelsGarbage", "POST", "/admin/tokens/cancel", map[string]string{"token": tampered}, admin, 400},
		{"OAuthRevoke", "POST", "/oauth/revoke", formOf("token", c.RefreshToken), admin, 200},
		{"OAuthIntrospect", "POST", "/oauth/introspect", formOf("token", d.AccessToken), admin, 200},
		{"RevokeRefresh", "POST", "/tokens/revoke", map[string]string{"refresh_token": d.RefreshToken}, nil, 204},
		{"SignOutGlobal", "POST", "/sign-out?scope=global", nil, []string{"Bearer", root.AccessToken}, 204},
	} {
		t.Run(st.name, func(t *testing.T) {
			r := e.call(t, st.method, st.path, st.body, st.hdr...)
			wantStatus(t, r, st.status)
			if r.Status >= 400 {
				noSecret(t, "the response", string(r.Body)+fmt.Sprint(r.Header), secrets)
			}
		})
	}
	t.Run("Metrics", func(t *testing.T) {
		r := e.call(t, "GET", "/metrics", nil)
		wantStatus(t, r, http.StatusOK)
		noSecret(t, "/metrics", string(r.Body), secrets)
		noSecret(t, "/metrics", string(r.Body), []string{"alice", "root"})
	})
	t.Run("Logs", func(t *testing.T) {
		logs := e.logs.String()
		for i := 0; i < 100 && !strings.Contains(logs, "level=DEBUG"); i++ { // written after the response
			time.Sleep(10 * time.Millisecond)
			logs = e.logs.String()
		}
		if !strings.Contains(logs, "level=DEBUG") || !strings.Contains(logs, "/tokens/refresh") {
			t.Fatalf("the log did not record at debug level: %.500s", logs)
		}
		noSecret(t, "the log", logs, secrets)
	})
}

func noSecret(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Fatalf("%s contains a secret (%.12s…)", where, s)
		}
	}
}
