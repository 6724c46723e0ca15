package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestWalkthrough(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.signUp("alice", "correct horse battery")
	expect(t, s.do("POST", "/sign-up", "", map[string]string{"username": "Alice", "password": "another password"}), 409, "sign-up taken (other case)")
	expect(t, s.do("POST", "/sign-in", "", map[string]string{"username": "alice", "password": "wrong password"}), 401, "wrong password")
	expect(t, s.do("POST", "/sign-in", "", map[string]string{"username": "nobody", "password": "wrong password"}), 401, "unknown user")
	laptop := s.signIn("alice", "correct horse battery")
	phone := s.signIn("alice", "correct horse battery")

	r := s.do("GET", "/account", laptop.AccessToken, nil)
	expect(t, r, 200, "account")
	if got := r.JSON(t)["username"]; got != "alice" {
		t.Fatalf("account username %v", got)
	}
	expect(t, s.do("POST", "/tokens/cancel", laptop.AccessToken, nil), 204, "cancel")
	expect(t, s.do("GET", "/account", laptop.AccessToken, nil), 401, "account after cancel")
	expect(t, s.do("GET", "/account", phone.AccessToken, nil), 200, "other token after cancel")
	expect(t, s.do("GET", "/account", "", nil), 401, "no token")
	expect(t, s.do("GET", "/account", "not.a.token", nil), 401, "garbage token")
}

func TestRefreshRotates(t *testing.T) {
	s := startServer(t, t.TempDir(), "--refresh-reuse-grace", "0s")
	first := s.user("bob")
	r := s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
	expect(t, r, 200, "refresh")
	second := decodeTokens(t, r)
	if second.RefreshToken == first.RefreshToken || second.SessionID != first.SessionID {
		t.Fatalf("refresh did not rotate within the session: %+v -> %+v", first, second)
	}
	expect(t, s.do("GET", "/account", first.AccessToken, nil), 200, "earlier access token stays valid")
	// The retired token again: theft. The whole session is cancelled.
	expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": first.RefreshToken}), 401, "reuse")
	expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": second.RefreshToken}), 401, "current token after theft")
	expect(t, s.do("GET", "/account", second.AccessToken, nil), 401, "access token after theft")
	expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": "garbage"}), 401, "garbage refresh token")
}

func TestRefreshReuseGrace(t *testing.T) {
	s := startServer(t, t.TempDir(), "--refresh-reuse-grace", "1m")
	first := s.user("carol")
	a := decodeTokens(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": first.RefreshToken}))
	// A second tab presents the same token within the grace: the same current pair.
	b := decodeTokens(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": first.RefreshToken}))
	if a.RefreshToken != b.RefreshToken {
		t.Fatal("within the grace, the retired token did not return the session's current refresh token")
	}
	expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": b.RefreshToken}), 200, "current token after the grace reuse")
}

func TestRevokeRefresh(t *testing.T) {
	s := startServer(t, t.TempDir())
	tk := s.user("dave")
	expect(t, s.do("POST", "/tokens/revoke", "", map[string]string{"refresh_token": tk.RefreshToken}), 204, "revoke")
	expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}), 401, "refresh after revoke")
	expect(t, s.do("GET", "/account", tk.AccessToken, nil), 401, "session's access token after revoke")
}

func TestSignOutScopes(t *testing.T) {
	s := startServer(t, t.TempDir())
	cases := []struct {
		scope               string
		self, other, other2 int
	}{
		{"local", 401, 200, 200},
		{"others", 200, 401, 401},
		{"global", 401, 401, 401},
	}
	for _, tc := range cases {
		t.Run(tc.scope, func(t *testing.T) {
			name := "scope-" + tc.scope
			self, other, other2 := s.user(name), s.user(name), s.user(name)
			expect(t, s.do("POST", "/sign-out?scope="+tc.scope, self.AccessToken, nil), 204, "sign-out")
			for _, c := range []struct {
				tk   tokens
				want int
			}{{self, tc.self}, {other, tc.other}, {other2, tc.other2}} {
				if got := s.account(c.tk.AccessToken); got != c.want {
					t.Fatalf("session %s: %d, want %d", c.tk.SessionID, got, c.want)
				}
			}
			s.user(name) // signing in again works at once
		})
	}
	expect(t, s.do("POST", "/sign-out?scope=everything", s.user("x").AccessToken, nil), 400, "unknown scope")
}

func TestSessions(t *testing.T) {
	s := startServer(t, t.TempDir())
	a, b := s.user("erin"), s.user("erin")
	mallory := s.user("mallory")
	r := s.do("GET", "/sessions", a.AccessToken, nil)
	expect(t, r, 200, "sessions")
	var list struct {
		Sessions []struct {
			ID        string `json:"id"`
			UserAgent string `json:"user_agent"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Sessions) != 2 {
		t.Fatalf("sessions %s (%v)", r.Body, err)
	}
	expect(t, s.do("DELETE", "/sessions/"+mallory.SessionID, a.AccessToken, nil), 404, "another user's session")
	expect(t, s.do("DELETE", "/sessions/"+b.SessionID, a.AccessToken, nil), 204, "delete own session")
	expect(t, s.do("GET", "/account", b.AccessToken, nil), 401, "deleted session's token")
	expect(t, s.do("GET", "/account", a.AccessToken, nil), 200, "remaining session")
	expect(t, s.do("GET", "/account", mallory.AccessToken, nil), 200, "other user")
}

func TestAdmin(t *testing.T) {
	s := startServer(t, t.TempDir())
	root, frank, grace := s.user("root"), s.user("frank"), s.user("grace")
	frank2 := s.user("frank")
	expect(t, s.do("POST", "/admin/users/frank/cancel", grace.AccessToken, nil), 403, "non-admin")
	expect(t, s.do("POST", "/admin/users/frank/cancel", root.AccessToken, nil), 204, "admin cancels user")
	for _, tk := range []tokens{frank, frank2} {
		expect(t, s.do("GET", "/account", tk.AccessToken, nil), 401, "cancelled user's access token")
		expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}), 401, "cancelled user's refresh token")
	}
	again := s.signIn("frank", "password-frank")
	expect(t, s.do("GET", "/account", again.AccessToken, nil), 200, "sign-in right after the cancellation")
	expect(t, s.do("GET", "/account", grace.AccessToken, nil), 200, "another user")

	expect(t, s.do("POST", "/admin/tokens/cancel", root.AccessToken, map[string]string{"token": grace.AccessToken}), 204, "admin cancels a token")
	expect(t, s.do("GET", "/account", grace.AccessToken, nil), 401, "admin-cancelled token")
	expect(t, s.do("POST", "/admin/tokens/cancel", grace.AccessToken, map[string]string{"token": again.AccessToken}), 401, "cancelled token as admin credential")
}

func TestOAuth(t *testing.T) {
	s := startServer(t, t.TempDir())
	root, h := s.user("root"), s.user("heidi")
	r := s.do("POST", "/oauth/introspect", root.AccessToken, url.Values{"token": {h.AccessToken}})
	expect(t, r, 200, "introspect")
	if got := r.JSON(t); got["active"] != true || got["sub"] != "heidi" {
		t.Fatalf("introspect %v", got)
	}
	expect(t, s.do("POST", "/oauth/introspect", h.AccessToken, url.Values{"token": {h.AccessToken}}), 403, "introspect by non-admin")
	expect(t, s.do("POST", "/oauth/revoke", root.AccessToken, url.Values{"token": {"unknown"}}), 200, "revoke unknown token")
	expect(t, s.do("POST", "/oauth/revoke", h.AccessToken, url.Values{"token": {h.AccessToken}}), 200, "revoke own token")
	r = s.do("POST", "/oauth/introspect", root.AccessToken, url.Values{"token": {h.AccessToken}})
	if got := r.JSON(t); got["active"] != false {
		t.Fatalf("introspect after revoke %v", got)
	}
	expect(t, s.do("POST", "/oauth/revoke", root.AccessToken, url.Values{"token": {h.RefreshToken}}), 200, "revoke refresh")
	expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": h.RefreshToken}), 401, "refresh after oauth revoke")
}

func TestForwardAuthJWKSHealth(t *testing.T) {
	s := startServer(t, t.TempDir())
	tk := s.user("ivan")
	r := s.do("GET", "/auth/verify", tk.AccessToken, nil)
	expect(t, r, 200, "forward-auth")
	if r.Header.Get("X-Auth-Subject") != "ivan" {
		t.Fatalf("X-Auth-Subject %q", r.Header.Get("X-Auth-Subject"))
	}
	expect(t, s.do("GET", "/auth/verify", "", nil), 401, "forward-auth without token")
	r = s.do("GET", "/.well-known/jwks.json", "", nil)
	expect(t, r, 200, "jwks")
	var set struct{ Keys []map[string]any }
	if json.Unmarshal(r.Body, &set) != nil || len(set.Keys) != 1 || set.Keys[0]["alg"] != "EdDSA" {
		t.Fatalf("jwks %s", r.Body)
	}
	expect(t, s.do("GET", "/healthz", "", nil), 200, "healthz")
	expect(t, s.do("GET", "/readyz", "", nil), 200, "readyz")
	r = s.do("GET", "/metrics", "", nil)
	expect(t, r, 200, "metrics")
	if !strings.Contains(string(r.Body), "go_goroutines") {
		t.Fatal("metrics lack the Go collector")
	}
}

func TestHS256(t *testing.T) {
	s := startServer(t, t.TempDir(), "--alg", "HS256", "--issuer", "https://tm.test", "--audience", "api")
	tk := s.user("judy")
	expect(t, s.do("GET", "/account", tk.AccessToken, nil), 200, "HS256 token")
	r := s.do("GET", "/.well-known/jwks.json", "", nil)
	if strings.Contains(string(r.Body), `"kty"`) {
		t.Fatalf("the HS256 secret is published: %s", r.Body)
	}
}

func TestRestartKeepsCancellations(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	tk, other := s.user("kate"), s.user("kate")
	expect(t, s.do("POST", "/tokens/cancel", tk.AccessToken, nil), 204, "cancel")
	s.Main.Close()
	s = startServer(t, dir)
	expect(t, s.do("GET", "/account", tk.AccessToken, nil), 401, "cancelled token after restart")
	expect(t, s.do("GET", "/account", other.AccessToken, nil), 200, "other token after restart (keys reused)")
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/tm.conf"
	writeFile(t, file, "# comment\naccess-ttl = 1m\nissuer = from-file\nadmins = a,b\n")
	env := map[string]string{"TOKENMANAGER_ISSUER": "from-env", "TOKENMANAGER_DATA_DIR": dir}
	c, _, err := parseConfig("serve", []string{"--config", file, "--admins", "flag"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessTTL != time.Minute || c.Issuer != "from-env" || c.Admins != "flag" || c.DataDir != dir {
		t.Fatalf("config %+v", c)
	}
	for _, args := range [][]string{
		{"--revocation-check", "sometimes"}, {"--on-store-outage", "maybe"}, {"--alg", "none"},
		{"--sign-in-limit", "lots"}, {"--access-ttl", "-1s"},
		{"--sign-in-user-limit", "1/"}, {"--hash-memory", "lots"}, {"--hash-memory", "0MiB"}, {"--hash-wait", "0s"}, {"--verify-cache-memory", "lots"}, {"--gc-headroom", "lots"},
	} {
		if _, _, err := parseConfig("serve", args, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: err %v does not name the flag", args, err)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"256MiB", 256 << 20}, {"1GiB", 1 << 30}, {"512 KiB", 512 << 10}, {"64MB", 64 << 20}, {"1048576", 1 << 20}, {"100B", 100}} {
		t.Run(tc.in, func(t *testing.T) {
			if got, err := parseBytes(tc.in); err != nil || got != tc.want {
				t.Fatalf("parseBytes(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "MiB", "-1MiB", "0", "1.5GiB", "2TiB", "99999GiB"} {
		t.Run("Refused/"+in, func(t *testing.T) {
			if _, err := parseBytes(in); err == nil {
				t.Fatalf("parseBytes(%q) accepted", in)
			}
		})
	}
}
