package bolt_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// TestSweepCount checks what the shared suite cannot, because a store with
// native expiry may return 0: the embedded store counts exactly the
// cancellations it removed, at the instant it is given, and removes
// expired sessions from the subject index too.
func TestSweepCount(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tokenmanager.db"))
	defer s.Close()
	ctx, now := t.Context(), time.Now().Truncate(time.Millisecond)
	entry := func(id string, expires time.Time) tokenmanager.Cancellation {
		return tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: id, Before: now, ExpiresAt: expires}
	}
	for _, c := range []tokenmanager.Cancellation{
		entry("a", now.Add(time.Minute)), entry("b", now.Add(time.Minute)),
		entry("c", now.Add(time.Minute+time.Microsecond)), entry("d", now.Add(time.Hour)),
	} {
		if err := s.Cancel(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	expiring := &tokenmanager.Session{ID: "s1", Subject: "alice", CreatedAt: now, RefreshExpiresAt: now.Add(time.Minute)}
	if err := s.CreateSession(ctx, expiring); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want int
	}{
		{"BeforeExpiry", now.Add(time.Minute - time.Millisecond), 0},
		{"AtExpiry", now.Add(time.Minute), 2}, // c expires a microsecond later
		{"AfterExpiry", now.Add(2 * time.Minute), 1},
		{"Again", now.Add(2 * time.Minute), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.Sweep(ctx, tc.at)
			if err != nil || n != tc.want {
				t.Fatalf("Sweep(%v) = %d, %v; want %d", tc.at.Sub(now), n, err, tc.want)
			}
		})
	}
	ss, err := s.Sessions(ctx, "alice")
	if err != nil || len(ss) != 0 {
		t.Fatalf("Sessions after the sweep = %d sessions, %v; want none", len(ss), err)
	}
	cs, err := s.Cancellations(ctx, now)
	if err != nil || len(cs) != 1 || cs[0].ID != "d" {
		t.Fatalf("Cancellations after the sweep = %+v, %v; want only d", cs, err)
	}
}
