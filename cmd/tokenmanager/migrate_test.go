package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// refreshed refreshes tk on s and returns the new pair.
func refreshed(s *process, tk tokens, what string) tokens {
	s.t.Helper()
	r := s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": tk.RefreshToken})
	expect(s.t, r, 200, what)
	return decodeTokens(s.t, r)
}

// TestMigrateToRedisAndBack moves a deployment from the embedded store to
// Redis and back, with the real server on each side: every token that
// worked still works, every cancelled one (token, session, user) stays
// refused, refresh tokens keep working (nobody is signed out), passwords
// still sign in, and a target that is not empty is refused. A backup of
// the Redis store (a dump) restores into an embedded store.
func TestMigrateToRedisAndBack(t *testing.T) {
	rs := redistest.Start(t, redistest.WithAOF())
	embedded := t.TempDir()
	p := startProcess(t, embedded)
	root := p.user("root")
	a1, a2, bob, carol := p.user("alice"), p.user("alice"), p.user("bob"), p.user("carol")
	d1 := p.user("dave")
	expect(t, p.do("POST", "/tokens/cancel", a1.AccessToken, nil), 204, "cancel a token")
	expect(t, p.do("POST", "/admin/users/carol/cancel", root.AccessToken, nil), 204, "cancel a user")
	expect(t, p.do("POST", "/sign-out?scope=local", d1.AccessToken, nil), 204, "cancel a session")
	var gw struct {
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(runCLI(t, "clients", "add", "gw", "--scope", "introspect", "--data-dir", embedded), &gw); err != nil || gw.ClientSecret == "" {
		t.Fatalf("clients add: %v", err)
	}
	p.stop()

	runCLI(t, "migrate", "--data-dir", embedded, "--to", rs.URL())
	msg := runCLIFails(t, "migrate", "--to", rs.URL(), "--data-dir", embedded)
	if !strings.Contains(msg, "empty") {
		t.Fatalf("a second migration into the same Redis: %s, want a refusal (not empty)", msg)
	}
	q := startProcess(t, t.TempDir(), "--store", rs.URL())
	q.waitStatus("/readyz", "", 200, 20*time.Second)
	checkMoved(t, q, map[string]int{
		"a2": q.account(a2.AccessToken), "bob": q.account(bob.AccessToken),
		"a1": q.account(a1.AccessToken), "carol": q.account(carol.AccessToken), "dave": q.account(d1.AccessToken),
	}, map[string]int{"a2": 200, "bob": 200, "a1": 401, "carol": 401, "dave": 401})
	a2 = refreshed(q, a2, "alice's refresh token on Redis")
	expect(t, q.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": d1.RefreshToken}), 401, "a signed-out session's refresh token on Redis")
	q.signIn("alice", "password-alice")
	if st := introspect(t, q, "gw", gw.ClientSecret, a2.AccessToken); st != 200 {
		t.Fatalf("a service client's introspection on Redis: %d, want 200", st)
	}
	expect(t, q.do("POST", "/tokens/cancel", bob.AccessToken, nil), 204, "cancel on Redis")
	dump := t.TempDir() + "/redis.dump"
	runCLI(t, "backup", dump, "--data-dir", q.Dir, "--store", rs.URL()) // a dump, through q's admin socket
	q.stop()

	back := t.TempDir() + "/back"
	runCLI(t, "migrate", "--from", rs.URL(), "--to", back)
	r := startProcess(t, back)
	checkMoved(t, r, map[string]int{
		"a2": r.account(a2.AccessToken), "bob": r.account(bob.AccessToken),
		"a1": r.account(a1.AccessToken), "carol": r.account(carol.AccessToken),
	}, map[string]int{"a2": 200, "bob": 401, "a1": 401, "carol": 401})
	refreshed(r, a2, "alice's refresh token back on the embedded store")
	r.signIn("bob", "password-bob")
	msg = runCLIFails(t, "migrate", "--from", rs.URL(), "--to", back)
	if !strings.Contains(msg, "already holds a store") {
		t.Fatalf("migrating into a directory with a store: %s", msg)
	}
	r.stop()

	restored := t.TempDir()
	runCLI(t, "restore", dump, "--data-dir", restored) // the Redis backup into an embedded store
	d := startProcess(t, restored)
	checkMoved(t, d, map[string]int{"a2": d.account(a2.AccessToken), "bob": d.account(bob.AccessToken)},
		map[string]int{"a2": 200, "bob": 401})
}

// introspect calls POST /oauth/introspect as a service client and returns
// the status.
func introspect(t *testing.T, s *process, id, secret, token string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func checkMoved(t *testing.T, s *process, got, want map[string]int) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: GET /account with %s's token = %d, want %d", s.URL, k, got[k], w)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}
