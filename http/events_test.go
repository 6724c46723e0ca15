package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// sseEvent is one Server-Sent Event as a client reads it.
type sseEvent struct {
	ID, Type, Data string
}

// stream is an open GET /events/cancellations.
type stream struct {
	res    *http.Response
	events chan sseEvent
}

// openStream opens the event stream with the bearer token; the stream is
// closed when the test ends (before the server, which waits for it).
// query is added to the URL.
func (e *env) openStream(t *testing.T, token string, query ...string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req := newRequest(t, "GET", e.URL+"/events/cancellations"+strings.Join(query, ""), nil, "Bearer", token)
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	s := &stream{res: res, events: make(chan sseEvent, 64)}
	go s.read()
	return s
}

// read parses the stream into events until it ends.
func (s *stream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.res.Body)
	var ev sseEvent
	for sc.Scan() {
		field, value, _ := strings.Cut(sc.Text(), ": ")
		switch field {
		case "id":
			ev.ID = value
		case "event":
			ev.Type = value
		case "data":
			ev.Data = value
		case "":
			if ev.Type != "" {
				s.events <- ev
			}
			ev = sseEvent{}
		}
	}
}

// next returns the next event, failing the test after a second.
func (s *stream) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(2 * time.Second):
		t.Fatal("no event within 2s")
	}
	return sseEvent{}
}

// wantEnd fails unless the stream ends within a second.
func (s *stream) wantEnd(t *testing.T) {
	t.Helper()
	deadline := time.After(2 * time.Second)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream did not end")
		}
	}
}

// cancellation decodes a cancellation event.
func (ev sseEvent) cancellation(t *testing.T) tokenmanager.Cancellation {
	t.Helper()
	var ce tmhttp.CancellationEvent
	if err := json.Unmarshal([]byte(ev.Data), &ce); err != nil || ev.Type != tmhttp.EventCancellation {
		t.Fatalf("event %+v is not a cancellation (%v)", ev, err)
	}
	c, err := ce.Cancellation()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEventsAccess(t *testing.T) {
	e := newEnv(t)
	alice := e.user(t, "alice")
	tests := []struct {
		name   string
		hdr    []string
		status int
		code   string
	}{
		{"NoToken", nil, http.StatusUnauthorized, tokenmanager.EInvalidToken},
		{"NotAdmin", []string{"Bearer", alice.AccessToken}, http.StatusForbidden, tokenmanager.EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.call(t, "GET", "/events/cancellations", nil, tt.hdr...), tt.status, tt.code)
		})
	}
}

func TestEventsStream(t *testing.T) {
	e := newEnv(t)
	root, alice := e.user(t, "root"), e.user(t, "alice")
	wantStatus(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", alice.AccessToken), http.StatusNoContent)
	s := e.openStream(t, root.AccessToken)
	if ct := s.res.Header.Get("Content-Type"); s.res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", s.res.StatusCode, ct)
	}
	t.Run("Snapshot", func(t *testing.T) {
		if c := s.next(t).cancellation(t); c.Kind != tokenmanager.KindToken || c.Issuer != issuer || c.Subject != "alice" {
			t.Fatalf("first event = %+v, want alice's cancelled token, with her as its subject", c)
		}
		ready := s.next(t)
		var re tmhttp.ReadyEvent
		if err := json.Unmarshal([]byte(ready.Data), &re); err != nil || ready.Type != tmhttp.EventReady || ready.ID == "" || re.Cancellations != 1 {
			t.Fatalf("second event = %+v, want ready after 1 cancellation", ready)
		}
	})
	t.Run("Live", func(t *testing.T) {
		wantStatus(t, e.call(t, "POST", "/admin/users/alice/cancel", nil, "Bearer", root.AccessToken), http.StatusNoContent)
		ev := s.next(t)
		if c := ev.cancellation(t); c.Kind != tokenmanager.KindSubject || c.ID != "alice" || c.Subject != "alice" || ev.ID == "" {
			t.Fatalf("event = %+v, want alice cancelled", ev)
		}
	})
	t.Run("RepeatDropped", func(t *testing.T) {
		c := tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: "s1",
			Before: e.clock.Now().Truncate(time.Millisecond), ExpiresAt: e.clock.Now().Add(time.Hour).Truncate(time.Millisecond)}
		e.srv.Events.Publish(c) // from OnCancel
		e.srv.Events.Publish(c) // and back from the store's feed
		e.srv.Events.Publish(tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: "s2", ExpiresAt: c.ExpiresAt})
		if got := s.next(t).cancellation(t); got.ID != "s1" || !got.Before.Equal(c.Before) {
			t.Fatalf("event = %+v, want s1", got)
		}
		if got := s.next(t).cancellation(t); got.ID != "s2" {
			t.Fatalf("event = %+v, want s2 (s1 once)", got)
		}
	})
	t.Run("DropAllEndsStream", func(t *testing.T) {
		e.srv.Events.DropAll()
		s.wantEnd(t)
	})
}
