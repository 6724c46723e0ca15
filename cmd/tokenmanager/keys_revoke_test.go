package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// keysRun runs `tokenmanager keys ARGS...` and returns its exit code and
// output.
func keysRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(context.Background(), append([]string{"keys"}, args...), &out, &errs)
	return code, out.String() + errs.String()
}

// waitUnpublished polls s's JWKS until kid has left it.
func (s *testServer) waitUnpublished(kid string, limit time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	for slices.Contains(s.jwksKids(), kid) {
		if time.Since(start) > limit {
			s.t.Fatalf("%s is still published after %s", kid, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestKeyRevoke revokes the active key of a server on the embedded store
// through the admin socket (`keys revoke KID`): a token it signed, verified
// and cached before, is refused at once; the key has left the JWKS; a fresh
// key signs; an unknown kid and a second revocation fail clearly.
func TestKeyRevoke(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	tk := s.user("vera")
	expect(t, s.do("GET", "/account", tk.AccessToken, nil), 200, "before the revocation")
	expect(t, s.do("GET", "/auth/verify", tk.AccessToken, nil), 200, "before the revocation, cached")
	leaked := kidOf(t, tk.AccessToken)
	code, out := keysRun(t, "revoke", "--data-dir", dir, leaked)
	if code != 0 || !strings.Contains(out, `"revoked": "`+leaked) && !strings.Contains(out, `"revoked":"`+leaked) ||
		!strings.Contains(out, "was the active key: a fresh key") {
		t.Fatalf("keys revoke: exit %d: %s", code, out)
	}
	expect(t, s.do("GET", "/auth/verify", tk.AccessToken, nil), 401, "token of the revoked key")
	if slices.Contains(s.jwksKids(), leaked) {
		t.Fatal("the revoked key is still published")
	}
	fresh := s.user("vera")
	if kid := kidOf(t, fresh.AccessToken); kid == leaked || !slices.Contains(s.jwksKids(), kid) {
		t.Fatalf("after revoking the active key, tokens are signed by %s (published %v)", kid, s.jwksKids())
	}
	expect(t, s.do("GET", "/account", fresh.AccessToken, nil), 200, "token of the fresh key")
	for _, tc := range []struct{ name, kid string }{{"Again", leaked}, {"Unknown", "no-such-kid"}} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := keysRun(t, "revoke", "--data-dir", dir, tc.kid)
			if code == 0 || !strings.Contains(out, "no key") {
				t.Fatalf("keys revoke %s: exit %d: %s", tc.kid, code, out)
			}
		})
	}
}

// TestKeyRevokeOffline revokes a key with no server running (on the
// embedded store itself); the server started afterwards refuses the key's
// tokens and does not publish it.
func TestKeyRevokeOffline(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	tk := s.user("otto")
	leaked := kidOf(t, tk.AccessToken)
	s.Main.Close()
	if code, out := keysRun(t, "revoke", "--data-dir", dir, leaked); code != 0 {
		t.Fatalf("keys revoke with no server: exit %d: %s", code, out)
	}
	s = startServer(t, dir)
	expect(t, s.do("GET", "/account", tk.AccessToken, nil), 401, "token of the key revoked offline")
	if slices.Contains(s.jwksKids(), leaked) {
		t.Fatal("the revoked key is published")
	}
	expect(t, s.do("GET", "/account", s.user("otto").AccessToken, nil), 200, "token of the fresh key")
}

// TestKeyRevokeAcrossInstances runs two servers on one Redis; B has
// verified (and cached) a token of the active key. The key is revoked on
// A's admin socket, or on the store directly by a command that reaches no
// server: B refuses the token within the propagation bound, drops the key
// from its JWKS, signs with the fresh key, and A accepts B's new tokens.
func TestKeyRevokeAcrossInstances(t *testing.T) {
	for _, via := range []string{"AdminSocket", "Store"} {
		t.Run(via, func(t *testing.T) {
			rs := redistest.Start(t)
			a, b := startShared(t, rs.URL()), startShared(t, rs.URL(), "--key-refresh", "1h")
			tk := a.user("walt")
			for range 2 {
				expect(t, b.do("GET", "/auth/verify", tk.AccessToken, nil), 200, "on B before the revocation (cached)")
			}
			leaked := kidOf(t, tk.AccessToken)
			args := []string{"revoke", "--data-dir", a.Dir, leaked}
			if via == "Store" {
				args = []string{"revoke", "--store", rs.URL(), "--admin-socket", "off", leaked}
			}
			if code, out := keysRun(t, args...); code != 0 {
				t.Fatalf("keys revoke: exit %d: %s", code, out)
			}
			d := b.waitStatus("/auth/verify", tk.AccessToken, 401, 2*time.Second)
			t.Logf("revoked via %s: refused on B after %s", via, d)
			a.waitStatus("/auth/verify", tk.AccessToken, 401, 2*time.Second)
			t.Logf("left B's JWKS after %s more", b.waitUnpublished(leaked, 2*time.Second))
			a.waitUnpublished(leaked, 2*time.Second)
			fresh := b.user("walt")
			if kid := kidOf(t, fresh.AccessToken); kid == leaked {
				t.Fatal("B still signs with the revoked key")
			}
			expect(t, a.do("GET", "/account", fresh.AccessToken, nil), 200, "B's new token on A")
		})
	}
}

// TestTakeKid finds the kid of `keys revoke` among the flags, wherever it
// is, even when it starts with "-" (base64url kids may).
func TestTakeKid(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		kid  string
		rest []string
	}{
		{"Last", []string{"--data-dir", "d", "abc"}, "abc", []string{"--data-dir", "d"}},
		{"First", []string{"abc", "--data-dir", "d"}, "abc", []string{"--data-dir", "d"}},
		{"Dash", []string{"--data-dir", "d", "-mCle_x"}, "-mCle_x", []string{"--data-dir", "d"}},
		{"DoubleDash", []string{"--store=redis://x", "--a1"}, "--a1", []string{"--store=redis://x"}},
		{"BoolFlag", []string{"--trust-proxy", "abc"}, "abc", []string{"--trust-proxy"}},
		{"Terminator", []string{"--data-dir", "d", "--", "--data-dir"}, "--data-dir", []string{"--data-dir", "d"}},
		{"Two", []string{"abc", "def"}, "abc", []string{"def"}},
		{"None", []string{"--data-dir", "d"}, "", []string{"--data-dir", "d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rest, kid := takeKid(tc.args)
			if kid != tc.kid || !slices.Equal(rest, tc.rest) {
				t.Fatalf("takeKid(%q) = %q, %q; want %q, %q", tc.args, rest, kid, tc.rest, tc.kid)
			}
		})
	}
}
