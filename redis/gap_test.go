package redis

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestFeedGapResyncs makes the feed skip numbers, as a trimmed stream or a
// lost write would, and sees the replica reload and still refuse what was
// cancelled.
func TestFeedGapResyncs(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL())
	r := startReplica(t, mustOpen(t, srv.URL()))
	waitReady(t, r)
	before := r.resyncs.get()
	srv.MustDo("INCRBY", s.k.seq(), "5") // five entries the replica will never read
	c := tokenOf("alice", "after-gap")
	if err := s.Cancel(t.Context(), tokenCancel(c)); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	r.waitRefused(t, c, 2*time.Second)
	waitFor(t, time.Second, "no resync after a gap", func() bool { return r.resyncs.get() > before })
}

// TestFeedDataLossResyncs empties Redis under a live replica (a restart
// without persistence): the feed's count goes back, the replica notices on
// its next idle probe and reloads, so that it drops nothing it should keep
// and still applies what comes next.
func TestFeedDataLossResyncs(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL())
	r := startReplica(t, mustOpen(t, srv.URL()))
	waitReady(t, r)
	for _, jti := range []string{"a", "b", "c"} {
		if err := s.Cancel(t.Context(), tokenCancel(tokenOf("alice", jti))); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
	}
	waitFor(t, time.Second, "the replica did not apply three entries", func() bool { return r.Set.Len() == 3 })
	before := r.resyncs.get()
	srv.MustDo("FLUSHALL")
	waitFor(t, 3*time.Second, "no resync after Redis lost its data", func() bool { return r.resyncs.get() > before })
	c := tokenOf("bob", "after-loss")
	if err := s.Cancel(t.Context(), tokenCancel(c)); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	r.waitRefused(t, c, 2*time.Second)
}

// TestFeedTrimmedWhileBehind holds a subscriber inside Apply while more
// cancellations than the stream keeps are made, so that MAXLEN trims the
// entries it has not read; when it goes on, it finds the gap and resyncs.
func TestFeedTrimmedWhileBehind(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL(), WithFeedLength(1000))
	h := &gateHandler{gate: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); s.Watch(ctx, h) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, 2*time.Second, "the feed did not go live", h.live.Load)
	for i := range 3000 {
		if err := s.Cancel(t.Context(), tokenCancel(tokenOf("alice", fmt.Sprint(i)))); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
	}
	close(h.gate)
	waitFor(t, 2*time.Second, "no resync after the stream was trimmed past the reader",
		func() bool { return h.resyncs.Load() >= 2 })
	if n := h.applied.Load(); n >= 3000 {
		t.Fatalf("applied %d entries, but the stream kept only about 1000", n)
	}
}

// gateHandler is a FeedHandler whose first Apply waits for gate.
type gateHandler struct {
	gate    chan struct{}
	once    sync.Once
	applied atomic.Int64
	resyncs atomic.Int64
	live    atomic.Bool
}

func (h *gateHandler) Apply(tm.Cancellation) {
	h.once.Do(func() { <-h.gate })
	h.applied.Add(1)
}

func (h *gateHandler) Live(ok bool) { h.live.Store(ok) }

func (h *gateHandler) Resync(context.Context) error {
	h.resyncs.Add(1)
	return nil
}

// TestFeedReadsFromBeforeTheReload makes cancellations while the handler
// reloads: the feed then delivers every one of them, because it reads from
// the position it took before the reload, and it reports live only after.
func TestFeedReadsFromBeforeTheReload(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL())
	h := &slowResync{inResync: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); s.Watch(ctx, h) }()
	t.Cleanup(func() { cancel(); <-done })
	<-h.inResync
	for i := range 50 {
		if err := s.Cancel(t.Context(), tokenCancel(tokenOf("alice", fmt.Sprint(i)))); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
	}
	close(h.release)
	waitFor(t, 2*time.Second, "the feed did not go live", h.live.Load)
	if n := h.applied.Load(); n != 50 {
		t.Fatalf("live with %d of the 50 cancellations made during the reload applied", n)
	}
}

// slowResync is a FeedHandler whose first Resync waits for release.
type slowResync struct {
	inResync, release chan struct{}
	once              sync.Once
	applied           atomic.Int64
	live              atomic.Bool
}

func (h *slowResync) Apply(tm.Cancellation) { h.applied.Add(1) }
func (h *slowResync) Live(ok bool)          { h.live.Store(ok) }

func (h *slowResync) Resync(context.Context) error {
	h.once.Do(func() { close(h.inResync); <-h.release })
	return nil
}

// TestWatchEndsWhenClosed closes the store under a running Watch: Watch
// returns instead of retrying a client that can never work again.
func TestWatchEndsWhenClosed(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL())
	h := &gateHandler{gate: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- s.Watch(context.Background(), h) }()
	waitFor(t, 2*time.Second, "the feed did not go live", h.live.Load)
	s.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Watch after Close = %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Watch still runs 3s after Close")
	}
}
