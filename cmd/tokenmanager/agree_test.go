package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// startSkewed starts a server on the shared store whose machine clock is
// off by skew (the injected clock every part of the instance reads).
func startSkewed(t *testing.T, url string, skew time.Duration, flags ...string) *testServer {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--admins", "root",
		"--log-level", "error", "--store", url}, flags...)
	c, _, err := parseConfig("serve", args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), fastArgon: true,
		now: func() time.Time { return time.Now().Add(skew) }}
	if err := m.Open(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	s := &testServer{t: t, Main: m, URL: "http://" + m.Addr(), Dir: c.DataDir}
	t.Cleanup(func() { m.Close() })
	return s
}

// waitBody polls path until it answers want with a body containing text.
func (s *testServer) waitBody(path string, want int, text string, limit time.Duration) *response {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		r := s.do("GET", path, "", nil)
		if r.Status == want && strings.Contains(string(r.Body), text) {
			return r
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s answered %d %s, want %d with %q", path, r.Status, r.Body, want, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClockAheadIsNotReady: an instance whose clock is off from Redis's by
// more than --max-clock-offset says so on /readyz and in a metric.
func TestClockAheadIsNotReady(t *testing.T) {
	rs := redistest.Start(t)
	a := startSkewed(t, rs.URL(), 10*time.Second)
	r := a.waitBody("/readyz", 503, "clock is 10s ahead of the store", 10*time.Second)
	t.Logf("readyz: %s", r.Body)
	m := a.do("GET", "/metrics", "", nil)
	if !strings.Contains(string(m.Body), "tokenmanager_clock_offset_seconds -10") &&
		!strings.Contains(string(m.Body), "tokenmanager_clock_offset_seconds -9.9") {
		t.Fatalf("metrics do not show the offset:\n%s", grepLines(string(m.Body), "clock"))
	}
	b := startSkewed(t, rs.URL(), 200*time.Millisecond)
	b.waitStatus("/readyz", "", 200, 10*time.Second)
}

// TestClockAheadCutoff: a token signed on an instance whose clock runs 3s
// ahead (within --leeway and --max-clock-offset) is cancelled by a
// cancel-user taken on an instance with a true clock, and a sign-in right
// after the cancellation works on both.
func TestClockAheadCutoff(t *testing.T) {
	rs := redistest.Start(t)
	ahead := startSkewed(t, rs.URL(), 3*time.Second, "--max-clock-offset", "5s")
	true_ := startSkewed(t, rs.URL(), 0, "--max-clock-offset", "5s")
	ahead.waitStatus("/readyz", "", 200, 10*time.Second)
	true_.waitStatus("/readyz", "", 200, 10*time.Second)
	admin := true_.user("root")
	tk := ahead.user("skewed")
	expect(t, true_.do("POST", "/admin/users/skewed/cancel", admin.AccessToken, nil), 204, "cancel user on the true clock")
	expect(t, true_.do("GET", "/account", tk.AccessToken, nil), 401, "ahead's token on the true instance")
	ahead.waitStatus("/account", tk.AccessToken, 401, 2*time.Second)
	r := true_.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": tk.RefreshToken})
	if r.Status == 200 {
		t.Fatalf("the cancelled user's refresh token still refreshes: %s", r.Body)
	}
	for _, s := range []*testServer{ahead, true_} {
		again := s.signIn("skewed", "password-skewed")
		expect(t, ahead.do("GET", "/account", again.AccessToken, nil), 200, "sign-in right after, on "+s.URL)
		expect(t, true_.do("GET", "/account", again.AccessToken, nil), 200, "sign-in right after, on "+s.URL)
	}
}

// TestClockAheadDoesNotSweepLiveEntries: an instance whose clock runs an
// hour ahead sweeps often; a cancellation made elsewhere must stay in
// Redis, so that an instance started afterwards still refuses the token.
func TestClockAheadDoesNotSweepLiveEntries(t *testing.T) {
	rs := redistest.Start(t)
	ahead := startSkewed(t, rs.URL(), time.Hour, "--sweep-interval", "50ms")
	b := startShared(t, rs.URL())
	tk := b.user("swept")
	expect(t, b.do("POST", "/tokens/cancel", tk.AccessToken, nil), 204, "cancel on B")
	ahead.Main.svc.Load().Replica().SweepNow(t.Context())
	if _, err := ahead.Main.store.Sweep(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // several sweeps of the instance ahead
	c := startShared(t, rs.URL())
	expect(t, c.do("GET", "/account", tk.AccessToken, nil), 401, "cancelled token on an instance started after the sweeps")
}

// TestSettingsDisagree runs two instances with different settings on one
// Redis (the second as a process): both say which setting differs and are
// not ready; once the odd one is gone the other is ready again.
func TestSettingsDisagree(t *testing.T) {
	rs := redistest.Start(t)
	a := startShared(t, rs.URL(), "--access-ttl", "5m")
	b := startProcess(t, t.TempDir(), "--store", rs.URL(), "--access-ttl", "10m", "--admins", "root,eve")
	r := b.waitBody("/readyz", 503, `--access-ttl is \"10m0s\" here but \"5m0s\"`, 10*time.Second)
	if !strings.Contains(string(r.Body), "--admins") {
		t.Fatalf("B's readyz does not name --admins: %s", r.Body)
	}
	a.waitBody("/readyz", 503, `--access-ttl is \"5m0s\" here but \"10m0s\"`, 10*time.Second)
	b.cmd.Process.Signal(syscall.SIGTERM)
	b.cmd.Wait()
	a.waitStatus("/readyz", "", 200, 10*time.Second)
}

// TestCancellationOutlivesLongestTTL: a session cancelled on an instance
// with short lifetimes lives in Redis as long as the longest lifetime any
// instance issues with.
func TestCancellationOutlivesLongestTTL(t *testing.T) {
	rs := redistest.Start(t)
	long := startShared(t, rs.URL(), "--access-ttl", "2h", "--refresh-ttl", "2h")
	short := startServer(t, t.TempDir(), "--store", rs.URL(), "--access-ttl", "1m", "--refresh-ttl", "1m")
	short.waitBody("/readyz", 503, "disagree", 10*time.Second) // started, and says it differs
	tk := long.user("lived")
	expect(t, short.do("POST", "/tokens/revoke", "", map[string]string{"refresh_token": tk.RefreshToken}), 204, "revoke on the short instance")
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	ttl, err := rdb.PTTL(t.Context(), "tm:{c}:e:s:"+tk.SessionID).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl < 2*time.Hour {
		t.Fatalf("the session's cancellation expires in %s, before the 2h tokens it covers", ttl)
	}
}

// TestAlgMismatchFailsClearly: a process started with an --alg other than
// the stored key's exits with an error that says how to fix it, instead
// of retrying while /healthz says 200.
func TestAlgMismatchFailsClearly(t *testing.T) {
	rs := redistest.Start(t)
	startShared(t, rs.URL(), "--alg", "ES256")
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--store", rs.URL(), "--alg", "HS256")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(stderr.String(), "the stored signing key is ES256") {
			t.Fatalf("exit %v, stderr %s; want a failure naming the stored key's algorithm", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 30s after start with a mismatched --alg: %s", stderr.String())
	}
}

// TestEvictingRedisIsNotReady: with an evicting maxmemory-policy an
// instance is not ready unless --allow-evicting-redis says so.
func TestEvictingRedisIsNotReady(t *testing.T) {
	rs := redistest.Start(t)
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if err := rdb.ConfigSet(t.Context(), "maxmemory-policy", "volatile-lru").Err(); err != nil {
		t.Fatal(err)
	}
	a := startServer(t, t.TempDir(), "--store", rs.URL())
	a.waitBody("/readyz", 503, "maxmemory-policy", 10*time.Second)
	startShared(t, rs.URL(), "--allow-evicting-redis")
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDataLossRestored: Redis loses everything (FLUSHALL) under two
// instances. They put back the cancellations their replicas hold and the
// key set they sign with, so an instance started afterwards refuses the
// cancelled token, and all three keep one key set and one refresh key: a
// refresh token issued by the new instance refreshes on the old ones.
func TestDataLossRestored(t *testing.T) {
	rs := redistest.Start(t)
	flags := []string{"--key-refresh", "200ms"}
	a, b := startShared(t, rs.URL(), flags...), startShared(t, rs.URL(), flags...)
	tk := a.user("lost")
	expect(t, b.do("POST", "/tokens/cancel", tk.AccessToken, nil), 204, "cancel on B")
	kids := a.jwksKids()
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, _ := rdb.HLen(t.Context(), "tm:{c}:all").Result()
		k, _ := rdb.Exists(t.Context(), "tm:keyset").Result()
		if n > 0 && k == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("15s after the loss: %d cancellations and %d key sets back in Redis", n, k)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c := startShared(t, rs.URL(), flags...)
	expect(t, c.do("GET", "/account", tk.AccessToken, nil), 401, "the cancelled token on an instance started after the loss")
	if got := c.jwksKids(); strings.Join(got, ",") != strings.Join(kids, ",") {
		t.Fatalf("the new instance publishes keys %v, the old ones %v", got, kids)
	}
	fresh := c.user("after") // accounts were lost with the data: sign up again
	r := a.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": fresh.RefreshToken})
	expect(t, r, 200, "a refresh token of the new instance, on an old one")
	expect(t, b.do("GET", "/account", decodeTokens(t, r).AccessToken, nil), 200, "A's token on B")
}
