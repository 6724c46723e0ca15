package redis

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestKillRestartKeepsAcknowledged streams cancellations, kills Redis
// (SIGKILL) in the middle, restarts it from its AOF (appendfsync always),
// and finds every cancellation that was acknowledged before the kill, in
// the listing and by IsCancelled; the replicas notice, reconnect, resync,
// and follow the feed again.
func TestKillRestartKeepsAcknowledged(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAOF())
	writer := mustOpen(t, srv.URL())
	replicas := []*runningReplica{startReplica(t, mustOpen(t, srv.URL())), startReplica(t, mustOpen(t, srv.URL()))}
	waitReady(t, replicas...)
	resyncs := []int{replicas[0].resyncs.get(), replicas[1].resyncs.get()}

	acked := cancelUntilKilled(t, writer, srv)
	for _, r := range replicas {
		waitFor(t, 2*time.Second, "a replica still claims to be live after the kill", func() bool { return !r.IsLive() })
	}
	srv.Restart()
	checkAllCancelled(t, mustOpen(t, srv.URL()), acked)
	for i, r := range replicas {
		waitFor(t, 10*time.Second, "a replica did not resync after Redis came back", func() bool {
			return r.Ready() && r.resyncs.get() > resyncs[i]
		})
		for _, c := range acked {
			if _, ok := r.Set.Check(c); !ok {
				t.Fatalf("replica accepts %s, cancelled before the kill", c.ID)
			}
		}
	}
	after := tokenOf("bob", "after-restart")
	if err := writer.Cancel(t.Context(), tokenCancel(after)); err != nil {
		t.Fatalf("Cancel after the restart: %v", err)
	}
	for _, r := range replicas {
		r.waitRefused(t, after, 2*time.Second)
	}
}

// cancelUntilKilled cancels tokens one after another, kills srv once 200
// were acknowledged, and returns the claims of every acknowledged one.
// Cancels that fail after the kill must fail with EUnavailable.
func cancelUntilKilled(t *testing.T, s *Store, srv *redistest.Server) []*tm.Claims {
	var mu sync.Mutex
	var acked []*tm.Claims
	killed := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			c := tokenOf(fmt.Sprintf("user-%d", i), fmt.Sprintf("jti-%d", i))
			err := s.Cancel(t.Context(), tokenCancel(c))
			if err != nil {
				if code := tm.ErrorCode(err); code != tm.EUnavailable {
					t.Errorf("Cancel after the kill: code %q (%v), want %q", code, err, tm.EUnavailable)
				}
				return
			}
			mu.Lock()
			if acked = append(acked, c); len(acked) == 200 {
				close(killed)
			}
			mu.Unlock()
		}
	}()
	<-killed
	srv.Kill()
	<-done
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d cancellations acknowledged before the kill", len(acked))
	return acked
}

// checkAllCancelled asks s, by IsCancelled and by the listing, for every
// token in cs.
func checkAllCancelled(t *testing.T, s *Store, cs []*tm.Claims) {
	t.Helper()
	list, err := s.Cancellations(t.Context(), time.Now())
	if err != nil {
		t.Fatalf("Cancellations after the restart: %v", err)
	}
	listed := map[string]bool{}
	for _, c := range list {
		listed[c.ID] = true
	}
	for _, c := range cs {
		cancelled, err := s.IsCancelled(t.Context(), c)
		if err != nil || !cancelled || !listed[c.ID] {
			t.Fatalf("%s acknowledged before the kill: IsCancelled = %v, %v; listed = %v",
				c.ID, cancelled, err, listed[c.ID])
		}
	}
}

// TestOpenWhileDown opens a store while Redis is down: Open succeeds, Ping
// fails, the replica stays not ready; once Redis starts, the replica
// becomes ready by itself.
func TestOpenWhileDown(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	s := mustOpen(t, srv.URL())
	if err := s.Ping(t.Context()); tm.ErrorCode(err) != tm.EUnavailable {
		t.Fatalf("Ping with Redis down = %v, want %s", err, tm.EUnavailable)
	}
	r := startReplica(t, s)
	time.Sleep(300 * time.Millisecond)
	if r.Ready() || r.Usable() == nil {
		t.Fatal("the replica is ready, or usable, while Redis has never answered")
	}
	srv.Restart()
	waitReady(t, r)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping after Redis started = %v", err)
	}
}

// TestCancelWhileDown cancels with Redis killed, and with Redis frozen:
// both answer EUnavailable, never nil.
func TestCancelWhileDown(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL())
	c := tokenCancel(tokenOf("alice", "jti-1"))
	if err := s.Cancel(t.Context(), c); err != nil {
		t.Fatalf("Cancel with Redis up: %v", err)
	}
	srv.Pause()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := s.Cancel(ctx, c); tm.ErrorCode(err) != tm.EUnavailable {
		t.Fatalf("Cancel with Redis frozen = %v, want %s", err, tm.EUnavailable)
	}
	srv.Kill()
	if err := s.Cancel(t.Context(), c); tm.ErrorCode(err) != tm.EUnavailable {
		t.Fatalf("Cancel with Redis killed = %v, want %s", err, tm.EUnavailable)
	}
	if _, err := s.IsCancelled(t.Context(), tokenOf("alice", "jti-1")); tm.ErrorCode(err) != tm.EUnavailable {
		t.Fatalf("IsCancelled with Redis killed = %v, want %s", err, tm.EUnavailable)
	}
}
