package redis

import (
	"fmt"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestSubjectCompatible: the subject of a cancellation lives in tm:{c}:sub,
// never in the "before expires" value of tm:{c}:all that older versions
// parse; an entry an older version wrote (no subject) is listed without
// one; a sweep removes the subject with its entry; the feed entry carries
// it as field s beside the fields older readers read.
func TestSubjectCompatible(t *testing.T) {
	srv := redistest.Start(t)
	flushAll(t, srv)
	s := mustOpen(t, srv.URL())
	now := time.Now()
	c := tm.Cancellation{Kind: tm.KindSession, ID: "sid", Subject: "alice", Before: now, ExpiresAt: now.Add(300 * time.Millisecond)}
	if err := s.Cancel(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.MustDo("HGET", "tm:{c}:all", c.Key()).(string); len(v) == 0 || v[len(v)-1] < '0' || v[len(v)-1] > '9' {
		t.Fatalf("tm:{c}:all value %q: want the old \"before expires\" form", v)
	}
	if got := srv.MustDo("HGET", "tm:{c}:sub", c.Key()); got != "alice" {
		t.Fatalf("tm:{c}:sub holds %v, want alice", got)
	}
	msgs, err := s.rdb.XRange(t.Context(), "tm:{c}:feed", "-", "+").Result()
	if err != nil || len(msgs) != 1 || msgs[0].Values["s"] != "alice" || msgs[0].Values["d"] != "sid" {
		t.Fatalf("feed: %+v, %v; want one entry with s=alice beside d=sid", msgs, err)
	}
	// An entry as an older version writes it: no subject anywhere.
	srv.MustDo("HSET", "tm:{c}:all", "s:old", "1 99999999999999")
	got, err := s.Cancellations(t.Context(), now)
	if err != nil || len(got) != 2 {
		t.Fatalf("Cancellations: %+v, %v", got, err)
	}
	for _, e := range got {
		if want := map[string]string{"sid": "alice", "old": ""}[e.ID]; e.Subject != want {
			t.Fatalf("entry %+v: subject %q, want %q", e, e.Subject, want)
		}
	}
	time.Sleep(300*time.Millisecond + sweepGrace + 50*time.Millisecond)
	if n, err := s.Sweep(t.Context(), time.Now()); err != nil || n != 1 {
		t.Fatalf("Sweep: %d, %v; want 1", n, err)
	}
	if n := fmt.Sprint(srv.MustDo("HLEN", "tm:{c}:sub")); n != "0" {
		t.Fatalf("tm:{c}:sub holds %v fields after the sweep, want 0", n)
	}
}
