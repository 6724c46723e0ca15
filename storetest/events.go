package storetest

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// testEventStreams checks the Shared Signals streams and their queues:
// round trip, oldest first, acknowledgement, the bound, deletion.
func testEventStreams(t *testing.T, open Opener) {
	s, ok := open(t).(tokenmanager.EventStore)
	if !ok {
		t.Skip("the store keeps no event streams")
	}
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond)
	for i, id := range []string{"first", "second"} {
		st := &tokenmanager.EventStream{ID: id, Audience: "rp", Method: "urn:ietf:rfc:8936", Status: "enabled",
			EventsRequested: []string{"a", "b"}, CreatedAt: now.Add(time.Duration(i) * time.Second)}
		if err := s.PutEventStream(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.EventStream(ctx, "first")
	if err != nil || got.Audience != "rp" || len(got.EventsRequested) != 2 || !got.CreatedAt.Equal(now) {
		t.Fatalf("EventStream: %+v, %v", got, err)
	}
	all, err := s.EventStreams(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "first" {
		t.Fatalf("EventStreams: %d streams, %v; want first and second, oldest first", len(all), err)
	}
	for _, j := range []string{"j1", "j2", "j3", "j4"} {
		dropped, err := s.EnqueueEvent(ctx, "first", tokenmanager.QueuedEvent{JTI: j, SET: "set-" + j}, 3)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[j == "j4"]; dropped != want {
			t.Fatalf("enqueueing %s: %d dropped, want %d", j, dropped, want)
		}
	}
	pending, err := s.PendingEvents(ctx, "first", 10)
	if err != nil || len(pending) != 3 || pending[0].JTI != "j2" || pending[2].SET != "set-j4" {
		t.Fatalf("PendingEvents after the bound of 3: %+v, %v; want j2, j3, j4", pending, err)
	}
	if err := s.AckEvents(ctx, "first", []string{"j3", "unknown"}); err != nil {
		t.Fatal(err)
	}
	pending, _ = s.PendingEvents(ctx, "first", 10)
	if len(pending) != 2 || pending[0].JTI != "j2" || pending[1].JTI != "j4" {
		t.Fatalf("after acknowledging j3: %+v", pending)
	}
	if err := s.DeleteEventStream(ctx, "first"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EventStream(ctx, "first"); tokenmanager.ErrorCode(err) != tokenmanager.ENotFound {
		t.Fatalf("a deleted stream: %v, want not_found", err)
	}
	if pending, _ := s.PendingEvents(ctx, "first", 10); len(pending) != 0 {
		t.Fatalf("a deleted stream's queue still holds %d events", len(pending))
	}
}
