package ssf_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/ssf"
)

func pollStream(t *testing.T, f *fixture, events ...string) string {
	t.Helper()
	s, err := f.tx.CreateStream(t.Context(), ssf.StreamRequest{EventsRequested: &events})
	if err != nil {
		t.Fatal(err)
	}
	return s.StreamID
}

func pending(t *testing.T, f *fixture, id string) int {
	t.Helper()
	evs, err := f.store.PendingEvents(t.Context(), id, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// TestOnlyRequestedAndLiveStreams: a stream gets the events it requested,
// unless it is disabled; a paused one keeps them for later.
func TestOnlyRequestedAndLiveStreams(t *testing.T) {
	f := newFixture(t, nil)
	ctx := t.Context()
	revoked := pollStream(t, f, ssf.EventSessionRevoked)
	purged := pollStream(t, f, ssf.EventAccountPurged)
	paused := pollStream(t, f, ssf.EventSessionRevoked)
	disabled := pollStream(t, f, ssf.EventSessionRevoked)
	for id, st := range map[string]string{paused: ssf.StatusPaused, disabled: ssf.StatusDisabled} {
		if _, err := f.tx.SetStatus(ctx, ssf.StreamStatus{StreamID: id, Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	f.tx.OnCancel(tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: "alice"})
	for _, c := range []struct {
		name, id string
		want     int
	}{{"Requested", revoked, 1}, {"NotRequested", purged, 0}, {"Paused", paused, 1}, {"Disabled", disabled, 0}} {
		t.Run(c.name, func(t *testing.T) {
			if got := pending(t, f, c.id); got != c.want {
				t.Fatalf("%d queued, want %d", got, c.want)
			}
		})
	}
	res, err := f.tx.Poll(ctx, paused, ssf.PollRequest{ReturnImmediately: true})
	if err != nil || len(res.Sets) != 0 {
		t.Fatalf("a paused stream delivered: %v %v", res, err)
	}
}

// TestPollAcknowledgesAndPages: maxEvents pages with moreAvailable; ack
// and setErrs remove SETs; unacknowledged ones come again.
func TestPollAcknowledgesAndPages(t *testing.T) {
	f := newFixture(t, nil)
	ctx := t.Context()
	id := pollStream(t, f, ssf.EventAccountEnabled)
	for range 3 {
		f.tx.OnAccountChange(ctx, tokenmanager.AccountChange{Kind: tokenmanager.AccountEnabled, Username: "bob"})
	}
	two := 2
	res, err := f.tx.Poll(ctx, id, ssf.PollRequest{MaxEvents: &two, ReturnImmediately: true})
	if err != nil || len(res.Sets) != 2 || !res.MoreAvailable {
		t.Fatalf("first page: %v %v", res, err)
	}
	var jtis []string
	for jti := range res.Sets {
		jtis = append(jtis, jti)
	}
	again, _ := f.tx.Poll(ctx, id, ssf.PollRequest{MaxEvents: &two, ReturnImmediately: true})
	if _, ok := again.Sets[jtis[0]]; !ok {
		t.Fatal("an unacknowledged SET did not come again")
	}
	zero := 0
	res, err = f.tx.Poll(ctx, id, ssf.PollRequest{Ack: jtis[:1], SetErrs: map[string]ssf.SetErr{jtis[1]: {Err: "invalid_request"}}, MaxEvents: &zero})
	if err != nil || len(res.Sets) != 0 {
		t.Fatalf("acknowledging poll: %v %v", res, err)
	}
	if got := pending(t, f, id); got != 1 {
		t.Fatalf("%d queued after acknowledging 2 of 3", got)
	}
}

// TestPushStreamCannotBePolled, and a receiver's 400 drops the SET
// instead of holding up the queue.
func TestPushRefusedSETIsDropped(t *testing.T) {
	f := newFixture(t, nil)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	s := pushStream(t, f, srv.URL)
	if _, err := f.tx.Poll(t.Context(), s.StreamID, ssf.PollRequest{}); tokenmanager.ErrorCode(err) != tokenmanager.EInvalid {
		t.Fatalf("polling a push stream: %v", err)
	}
	f.tx.OnAccountChange(t.Context(), tokenmanager.AccountChange{Kind: tokenmanager.AccountEnabled, Username: "bob"})
	f.tx.OnAccountChange(t.Context(), tokenmanager.AccountChange{Kind: tokenmanager.AccountDisabled, Username: "bob"})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.tx.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "both pushed", func() bool { return calls.Load() == 2 && pending(t, f, s.StreamID) == 0 })
	time.Sleep(50 * time.Millisecond)
	if calls.Load() != 2 {
		t.Fatalf("%d pushes, want 2 (the refused SET must not be retried)", calls.Load())
	}
}

// TestSlowReceiverHoldsUpNoOther: a receiver that never answers does not
// delay another stream's pushes.
func TestSlowReceiverHoldsUpNoOther(t *testing.T) {
	f := newFixture(t, nil)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	fast := newReceiver(t)
	pushStream(t, f, slow.URL) // the older stream: first in every round
	pushStream(t, f, fast.URL)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.tx.Run(ctx) }()
	defer func() { cancel(); <-done }()
	f.tx.OnAccountChange(t.Context(), tokenmanager.AccountChange{Kind: tokenmanager.AccountEnabled, Username: "bob"})
	deadline := time.Now().Add(2 * time.Second) // the push client's timeout is 5s
	for len(fast.got()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the fast receiver waited for the slow one")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
