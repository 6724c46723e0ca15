package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// testCancellationSubject: a cancellation's Subject (the subject of the
// tokens it cancels, by which replicas place it) survives Cancel →
// Cancellations, a merge with an entry without it, a stamped cut-off
// (CutoffStore) and the change feed (Feed), where the store has them; an
// entry stored without it is listed without it.
func testCancellationSubject(t *testing.T, open Opener) {
	now := baseTime()
	withSub := func(c tokenmanager.Cancellation, sub string) tokenmanager.Cancellation {
		c.Subject = sub
		return c
	}
	t.Run("CancelThenList", func(t *testing.T) {
		s := open(t)
		cs := []tokenmanager.Cancellation{
			withSub(cancellation(tokenmanager.KindToken, "jti-1", now, now.Add(5*time.Minute)), "alice"),
			withSub(cancellation(tokenmanager.KindSession, "sess-1", now, now.Add(time.Hour)), "bob"),
			withSub(cancellation(tokenmanager.KindSubject, "carol", now, now.Add(time.Hour)), "carol"),
			cancellation(tokenmanager.KindSession, "sess-without", now, now.Add(time.Hour)),
		}
		mustCancel(t, s, cs...)
		sameCancellations(t, mustCancellations(t, s, now), cs...)
	})
	t.Run("MergeKeepsTheSubject", func(t *testing.T) {
		s := open(t)
		bare := cancellation(tokenmanager.KindSession, "sess-1", now, now.Add(time.Hour))
		later := cancellation(tokenmanager.KindSession, "sess-2", now, now.Add(time.Hour))
		mustCancel(t, s, bare, withSub(bare, "alice"), withSub(later, "bob"), later)
		sameCancellations(t, mustCancellations(t, s, now), withSub(bare, "alice"), withSub(later, "bob"))
	})
	t.Run("CancelCutoff", func(t *testing.T) {
		s := open(t)
		cs, ok := s.(tokenmanager.CutoffStore)
		if !ok {
			t.Skip("the store does not stamp cut-offs")
		}
		c := withSub(cancellation(tokenmanager.KindSession, "sess-1", time.Now(), time.Now().Add(time.Hour)), "alice")
		got, err := cs.CancelCutoff(t.Context(), c, time.Millisecond, time.Now)
		mustNil(t, err, "CancelCutoff")
		if got.Subject != "alice" {
			t.Fatalf("CancelCutoff returned %+v: the subject is lost", got)
		}
		if l := mustCancellations(t, s, time.Now()); l[c.Key()].Subject != "alice" {
			t.Fatalf("listed %+v: the subject is lost", l[c.Key()])
		}
	})
	t.Run("Feed", func(t *testing.T) { testFeedSubject(t, open) })
}

// testFeedSubject: a cancellation heard on the store's feed carries its
// subject.
func testFeedSubject(t *testing.T, open Opener) {
	s := open(t)
	feed, ok := s.(tokenmanager.Feed)
	if !ok {
		t.Skip("the store has no feed")
	}
	h := &subjectHandler{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); feed.Watch(ctx, h) }()
	defer func() { cancel(); <-done }()
	eventually(t, 5*time.Second, "the feed never went live", h.live)
	c := cancellation(tokenmanager.KindToken, "jti-fed", time.Now(), time.Now().Add(time.Hour))
	c.Subject = "alice"
	mustCancel(t, s, c)
	eventually(t, 5*time.Second, "the cancellation was not heard on the feed", func() bool { return h.heard(c.Key()) != nil })
	if got := h.heard(c.Key()); got.Subject != "alice" {
		t.Fatalf("heard %+v: the subject is lost", got)
	}
}

// subjectHandler records what a feed delivers.
type subjectHandler struct {
	mu     sync.Mutex
	isLive bool
	got    map[string]tokenmanager.Cancellation
}

func (h *subjectHandler) Apply(c tokenmanager.Cancellation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.got == nil {
		h.got = map[string]tokenmanager.Cancellation{}
	}
	h.got[c.Key()] = c
}

func (h *subjectHandler) Live(ok bool) { h.mu.Lock(); h.isLive = ok; h.mu.Unlock() }

func (h *subjectHandler) Resync(context.Context) error { return nil }

func (h *subjectHandler) live() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.isLive }

func (h *subjectHandler) heard(key string) *tokenmanager.Cancellation {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.got[key]; ok {
		return &c
	}
	return nil
}
