package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// updaters is how many goroutines race on one session in UpdateConcurrent.
const updaters = 20

func testSessions(t *testing.T, open Opener) {
	now := baseTime()

	t.Run("CreateThenGet", func(t *testing.T) {
		s := open(t)
		want := newSession("sess-1", "alice", now)
		mustCreateSessions(t, s, want)
		sameSession(t, mustSession(t, s, "sess-1"), newSession("sess-1", "alice", now))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := open(t)
		mustCreateSessions(t, s, newSession("sess-1", "alice", now))
		_, err := s.Session(t.Context(), "sess-2")
		wantCode(t, err, tokenmanager.ENotFound)
	})
	t.Run("Update", func(t *testing.T) { testUpdate(t, open, now) })
	t.Run("UpdateConcurrent", func(t *testing.T) { testUpdateConcurrent(t, open, now) })
	t.Run("UpdateFnError", func(t *testing.T) { testUpdateFnError(t, open, now) })
	t.Run("UpdateErrNotFound", func(t *testing.T) {
		s := open(t)
		called := false
		_, err := s.UpdateSession(t.Context(), "missing", func(*tokenmanager.Session) error {
			called = true
			return nil
		})
		wantCode(t, err, tokenmanager.ENotFound)
		if called {
			t.Fatal("UpdateSession called fn for a missing session")
		}
	})
	t.Run("Delete", func(t *testing.T) { testDelete(t, open, now) })
	t.Run("DeleteMissing", func(t *testing.T) {
		s := open(t)
		if err := s.DeleteSession(t.Context(), "missing"); err != nil {
			t.Fatalf("DeleteSession of a missing session = %v, want nil", err)
		}
	})
	t.Run("BySubjectOldestFirst", func(t *testing.T) { testBySubject(t, open, now) })
	t.Run("ExpiredDropped", func(t *testing.T) { testExpiredDropped(t, open) })
}

func testUpdate(t *testing.T, open Opener, now time.Time) {
	s := open(t)
	mustCreateSessions(t, s, newSession("sess-1", "alice", now))
	want := newSession("sess-1", "alice", now)
	want.Generation, want.RefreshHash = 8, []byte("new hash")
	want.RotatedAt, want.LastUsedAt = now.Add(time.Hour), now.Add(time.Hour)
	want.RefreshExpiresAt, want.UserAgent, want.Address = now.Add(721*time.Hour), "curl/8", "2001:db8::1"
	var before tokenmanager.Session
	got, err := s.UpdateSession(t.Context(), "sess-1", func(x *tokenmanager.Session) error {
		before = *x
		x.Generation, x.RefreshHash = want.Generation, want.RefreshHash
		x.RotatedAt, x.LastUsedAt = want.RotatedAt, want.LastUsedAt
		x.RefreshExpiresAt, x.UserAgent, x.Address = want.RefreshExpiresAt, want.UserAgent, want.Address
		return nil
	})
	mustNil(t, err, "UpdateSession")
	sameSession(t, &before, newSession("sess-1", "alice", now))
	sameSession(t, got, want)
	sameSession(t, mustSession(t, s, "sess-1"), want)
}

// testUpdateConcurrent shows that UpdateSession serialises: every fn sees
// the record the previous one stored, so no increment is lost.
func testUpdateConcurrent(t *testing.T, open Opener, now time.Time) {
	s := open(t)
	start := newSession("sess-1", "alice", now)
	mustCreateSessions(t, s, start)
	seen := make(chan uint64, updaters)
	var wg sync.WaitGroup
	for range updaters {
		wg.Go(func() {
			got, err := s.UpdateSession(t.Context(), "sess-1", func(x *tokenmanager.Session) error {
				x.Generation++
				return nil
			})
			if err != nil {
				t.Errorf("UpdateSession: %v", err)
				return
			}
			seen <- got.Generation
		})
	}
	wg.Wait()
	close(seen)
	var gens, want []uint64
	for g := range seen {
		gens = append(gens, g)
	}
	for i := range uint64(updaters) {
		want = append(want, start.Generation+1+i)
	}
	slices.Sort(gens)
	sameValue(t, "generations returned by concurrent updates", gens, want)
	if got := mustSession(t, s, "sess-1").Generation; got != start.Generation+updaters {
		t.Fatalf("Generation = %d after %d concurrent increments from %d, want %d",
			got, updaters, start.Generation, start.Generation+updaters)
	}
}

func testUpdateFnError(t *testing.T, open Opener, now time.Time) {
	s := open(t)
	mustCreateSessions(t, s, newSession("sess-1", "alice", now))
	refused := errors.New("refused by fn")
	_, err := s.UpdateSession(t.Context(), "sess-1", func(x *tokenmanager.Session) error {
		x.Generation, x.UserAgent, x.RefreshHash = 99, "changed", []byte("changed")
		return refused
	})
	if err != refused {
		t.Fatalf("UpdateSession returned %v, want fn's error %v as is", err, refused)
	}
	sameSession(t, mustSession(t, s, "sess-1"), newSession("sess-1", "alice", now))
}

func testDelete(t *testing.T, open Opener, now time.Time) {
	s := open(t)
	mustCreateSessions(t, s, newSession("sess-1", "alice", now), newSession("sess-2", "alice", now.Add(time.Second)))
	mustNil(t, s.DeleteSession(t.Context(), "sess-1"), "DeleteSession")
	_, err := s.Session(t.Context(), "sess-1")
	wantCode(t, err, tokenmanager.ENotFound)
	ss, err := s.Sessions(t.Context(), "alice")
	mustNil(t, err, "Sessions")
	sameValue(t, "sessions after a delete", sessionIDs(ss), []string{"sess-2"})
	mustNil(t, s.DeleteSession(t.Context(), "sess-1"), "DeleteSession again")
}

func testBySubject(t *testing.T, open Opener, now time.Time) {
	s := open(t)
	a1 := newSession("a-oldest", "alice", now.Add(-2*time.Hour))
	a2 := newSession("a-middle", "alice", now.Add(-time.Hour))
	a3 := newSession("a-newest", "alice", now)
	b1 := newSession("b-only", "bob", now.Add(-3*time.Hour))
	// Created out of order, so that insertion order is not the answer.
	mustCreateSessions(t, s, a2, b1, a3, a1)
	got, err := s.Sessions(t.Context(), "alice")
	mustNil(t, err, "Sessions(alice)")
	sameValue(t, "alice's sessions", sessionIDs(got), []string{"a-oldest", "a-middle", "a-newest"})
	for i, want := range []*tokenmanager.Session{a1, a2, a3} {
		sameSession(t, got[i], want)
	}
	got, err = s.Sessions(t.Context(), "bob")
	mustNil(t, err, "Sessions(bob)")
	sameValue(t, "bob's sessions", sessionIDs(got), []string{"b-only"})
	got, err = s.Sessions(t.Context(), "carol")
	mustNil(t, err, "Sessions(carol)")
	if len(got) != 0 {
		t.Fatalf("Sessions of a subject without sessions = %v, want none", sessionIDs(got))
	}
}

// testExpiredDropped waits in real time, not with a clock: a store may
// expire sessions natively (a Redis TTL) rather than in Sweep.
func testExpiredDropped(t *testing.T, open Opener) {
	s := open(t)
	now := baseTime()
	short := newSession("short", "alice", now.Add(-time.Hour))
	short.RefreshExpiresAt = now.Add(200 * time.Millisecond)
	long := newSession("long", "alice", now)
	mustCreateSessions(t, s, short, long)
	eventually(t, 5*time.Second, "the session whose refresh token expired is still stored", func() bool {
		_, err := s.Sweep(t.Context(), time.Now())
		mustNil(t, err, "Sweep")
		_, err = s.Session(t.Context(), "short")
		return tokenmanager.ErrorCode(err) == tokenmanager.ENotFound
	})
	sameSession(t, mustSession(t, s, "long"), long)
	ss, err := s.Sessions(t.Context(), "alice")
	mustNil(t, err, "Sessions")
	sameValue(t, "sessions after the expired one was dropped", sessionIDs(ss), []string{"long"})
}
