package main

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// waitStatus polls path until it answers want, or fails after limit.
func (s *testServer) waitStatus(path, bearer string, want int, limit time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	for {
		r := s.do("GET", path, bearer, nil)
		if r.Status == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			s.t.Fatalf("%s answered %d for %s, want %d: %s", path, r.Status, limit, want, r.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func startShared(t *testing.T, url string, flags ...string) *testServer {
	t.Helper()
	s := startServer(t, t.TempDir(), append([]string{"--store", url}, flags...)...)
	s.waitStatus("/readyz", "", 200, 20*time.Second)
	return s
}

// TestInstancesShareRedis runs two servers with their own data directories
// on one Redis: they act as one.
func TestInstancesShareRedis(t *testing.T) {
	rs := redistest.Start(t, redistest.WithAOF())
	a, b := startShared(t, rs.URL()), startShared(t, rs.URL())
	a.signUp("alice", "correct horse battery")
	onB := b.signIn("alice", "correct horse battery") // accounts and keys are shared
	expect(t, a.do("GET", "/account", onB.AccessToken, nil), 200, "B's token on A")
	onA := a.signIn("alice", "correct horse battery")

	expect(t, a.do("POST", "/tokens/cancel", onA.AccessToken, nil), 204, "cancel on A")
	expect(t, a.do("GET", "/account", onA.AccessToken, nil), 401, "cancelled token on A, at once")
	d := b.waitStatus("/account", onA.AccessToken, 401, 2*time.Second)
	t.Logf("cancel on A refused on B after %s", d)
	expect(t, b.do("GET", "/account", onB.AccessToken, nil), 200, "other token on B")

	r := b.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": onA.RefreshToken})
	expect(t, r, 200, "refresh A's session on B")
	expect(t, a.do("POST", "/sign-out?scope=global", onB.AccessToken, nil), 204, "global sign-out on A")
	b.waitStatus("/account", onB.AccessToken, 401, 2*time.Second)
	again := b.signIn("alice", "correct horse battery")
	expect(t, a.do("GET", "/account", again.AccessToken, nil), 200, "sign-in right after, on the other instance")
}

// TestStartsWhileRedisIsDown starts a server with Redis stopped: it serves
// /healthz, says not ready, and becomes ready by itself once Redis is back.
func TestStartsWhileRedisIsDown(t *testing.T) {
	rs := redistest.Start(t, redistest.WithAOF())
	rs.Stop()
	s := startServer(t, t.TempDir(), "--store", rs.URL())
	expect(t, s.do("GET", "/healthz", "", nil), 200, "healthz while Redis is down")
	expect(t, s.do("GET", "/readyz", "", nil), 503, "readyz while Redis is down")
	expect(t, s.do("POST", "/sign-in", "", map[string]string{"username": "a", "password": "b"}), 503, "sign-in while Redis is down")
	rs.Restart()
	s.waitStatus("/readyz", "", 200, 20*time.Second)
	tk := s.user("bob")
	expect(t, s.do("GET", "/account", tk.AccessToken, nil), 200, "after Redis came back")
}

// TestOutagePolicies pauses Redis for longer than --max-staleness.
func TestOutagePolicies(t *testing.T) {
	cases := []struct {
		policy string
		during int // status of a protected request once the staleness is over
	}{
		{"closed", 503},
		{"open", 200},
	}
	for _, tc := range cases {
		t.Run(tc.policy, func(t *testing.T) {
			rs := redistest.Start(t, redistest.WithAOF())
			s := startShared(t, rs.URL(), "--max-staleness", "1s", "--on-store-outage", tc.policy)
			tk := s.user("carol")
			other := s.user("carol")
			rs.Pause()
			s.waitStatus("/readyz", "", 503, 10*time.Second)
			s.waitStatus("/auth/verify", tk.AccessToken, tc.during, 10*time.Second)
			r := s.do("POST", "/tokens/cancel", other.AccessToken, nil)
			if r.Status != 503 {
				t.Fatalf("cancel during the outage: %d %s (want 503: never a 204 that is not durable)", r.Status, r.Body)
			}
			rs.Resume()
			s.waitStatus("/readyz", "", 200, 20*time.Second)
			s.waitStatus("/auth/verify", tk.AccessToken, 200, 10*time.Second)
		})
	}
}

// TestRotationAcrossInstances rotates on A at once (--now); a token signed
// with the new key on A is accepted by B at once (B reloads the keys on an
// unknown kid).
func TestRotationAcrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	a, b := startShared(t, rs.URL()), startShared(t, rs.URL(), "--key-refresh", "1h")
	old := a.user("uma")
	if _, err := callSocket(t.Context(), adminSocketPath(a.Main.Config), request{"POST", "/admin/keys/rotate?now=1", nil}); err != nil {
		t.Fatal(err)
	}
	fresh := a.signIn("uma", "password-uma")
	expect(t, b.do("GET", "/account", fresh.AccessToken, nil), 200, "new key's token on the other instance")
	expect(t, b.do("GET", "/account", old.AccessToken, nil), 200, "old key's token on the other instance")
	if n := len(b.jwksKids()); n != 2 {
		t.Fatalf("B publishes %d keys, want 2", n)
	}
}
