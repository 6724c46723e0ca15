package redis

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// quiet is the logger of stores whose logs a test does not read.
var quiet = slog.New(slog.DiscardHandler)

// mustOpen opens a store on url and closes it when the test ends.
func mustOpen(t testing.TB, url string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, append([]Option{WithLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatalf("Open(%s): %v", Redact(url), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// runningReplica is a Replica following a store's feed in a goroutine.
type runningReplica struct {
	*tm.Replica
	wake    chan struct{} // signalled after each cancellation the feed applied
	resyncs *counter
}

// counter counts calls from other goroutines.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// startReplica runs a replica of s, fed by s's feed, until the test ends.
func startReplica(t testing.TB, s *Store, tune ...func(*tm.Replica)) *runningReplica {
	t.Helper()
	r := &runningReplica{Replica: tm.NewReplica(s, s, quiet),
		wake: make(chan struct{}, 1), resyncs: &counter{}}
	r.MaxStaleness = 2 * time.Second
	for _, f := range tune {
		f(r.Replica)
	}
	r.SetHooks(tm.ReplicaHooks{
		Applied: func(tm.Cancellation) {
			select {
			case r.wake <- struct{}{}:
			default:
			}
		},
		Reload: func(time.Duration, int) { r.resyncs.inc() },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, s.Ping) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// waitFor polls ok every 5ms until it holds, failing the test after d.
func waitFor(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitRefused waits until r refuses c, woken by each applied cancellation
// and polling every millisecond (a reload applies without the hook).
func (r *runningReplica) waitRefused(t testing.TB, c *tm.Claims, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if _, ok := r.Set.Check(c); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: token %s is still accepted", d, c.ID)
		}
		select {
		case <-r.wake:
		case <-time.After(time.Millisecond):
		}
	}
}

// waitReady waits until every replica has loaded and is live.
func waitReady(t testing.TB, rs ...*runningReplica) {
	t.Helper()
	for _, r := range rs {
		waitFor(t, 10*time.Second, "replica not ready", r.Ready)
	}
}

// tokenOf returns claims of an access token issued now, for subject.
func tokenOf(subject, jti string) *tm.Claims {
	now := time.Now().Truncate(time.Millisecond)
	return &tm.Claims{Issuer: "https://issuer.test", Subject: subject, ID: jti,
		SessionID: "sid-" + jti, IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
}

// tokenCancel cancels the token of claims c until it expires.
func tokenCancel(c *tm.Claims) tm.Cancellation {
	return tm.Cancellation{Kind: tm.KindToken, Issuer: c.Issuer, ID: c.ID,
		Before: c.ExpiresAt, ExpiresAt: c.ExpiresAt}
}

// logBuffer is a logger whose output a test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// flushAll empties a server between subtests that share it.
func flushAll(t testing.TB, servers ...*redistest.Server) {
	t.Helper()
	for _, s := range servers {
		s.MustDo("FLUSHALL")
	}
}
