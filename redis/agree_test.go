package redis

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestCancelIsAllOrNothing: a Redis user that may not XADD gets an error
// from Cancel and leaves nothing behind: no entry, no hash field, no index
// entry, no sequence number (Redis does not roll a script back, so the
// script writes the stream first).
func TestCancelIsAllOrNothing(t *testing.T) {
	rs := redistest.Start(t)
	admin := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer admin.Close()
	ctx := context.Background()
	if err := admin.Do(ctx, "ACL", "SETUSER", "noxadd", "on", ">pw", "~*", "+@all", "-xadd").Err(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, "redis://noxadd:pw@"+rs.Addr()+"/0", WithoutConfigCheck())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"Cancel", func() error {
			return s.Cancel(ctx, tm.Cancellation{Kind: tm.KindToken, Issuer: "i", ID: "j", Before: now, ExpiresAt: now.Add(time.Hour)})
		}},
		{"CancelCutoff", func() error {
			_, err := s.CancelCutoff(ctx, tm.Cancellation{Kind: tm.KindSubject, ID: "u", Before: now, ExpiresAt: now.Add(time.Hour)}, time.Millisecond, nil)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); tm.ErrorCode(err) != tm.EUnavailable {
				t.Fatalf("cancel without XADD: err = %v, want EUnavailable", err)
			}
			keys, _ := admin.Keys(ctx, "*").Result()
			if len(keys) != 0 {
				t.Fatalf("a refused cancel left keys behind: %v", keys)
			}
		})
	}
}

// TestStrictReadsTheHash: strict mode answers from the {c}:all hash, so a
// cancellation whose per-entry key was evicted (keys with a TTL go first
// under volatile-* policies) is still found.
func TestStrictReadsTheHash(t *testing.T) {
	rs := redistest.Start(t)
	s := mustOpen(t, rs.URL())
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	c := tm.Cancellation{Kind: tm.KindSession, ID: "sid", Before: now.Add(time.Second), ExpiresAt: now.Add(time.Hour)}
	if err := s.Cancel(ctx, c); err != nil {
		t.Fatal(err)
	}
	admin := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer admin.Close()
	if n, err := admin.Del(ctx, s.k.entry(c.Key())).Result(); err != nil || n != 1 {
		t.Fatalf("evicting the entry key: %d %v", n, err)
	}
	got, err := s.IsCancelled(ctx, &tm.Claims{Subject: "x", SessionID: "sid", IssuedAt: now, ID: "j"})
	if err != nil || !got {
		t.Fatalf("IsCancelled after the entry key was evicted = %v, %v; want true", got, err)
	}
}

// TestSweepKeepsWhatRedisHasNotExpired: an instance whose clock runs an
// hour ahead sweeps with its own time; Redis's clock decides.
func TestSweepKeepsWhatRedisHasNotExpired(t *testing.T) {
	rs := redistest.Start(t)
	s := mustOpen(t, rs.URL())
	ctx := context.Background()
	now := time.Now()
	if err := s.Cancel(ctx, tm.Cancellation{Kind: tm.KindToken, Issuer: "i", ID: "j", Before: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Sweep(ctx, now.Add(time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("sweep with a clock an hour ahead removed %d (%v), want 0", n, err)
	}
	cs, err := s.Cancellations(ctx, now)
	if err != nil || len(cs) != 1 {
		t.Fatalf("after the sweep: %d entries (%v), want 1", len(cs), err)
	}
}

// TestCutoffStampedByRedis: a cut-off is at least Redis's TIME plus the
// margin, whatever the caller's clock says, and lives at least as long as
// the longest lifetime announced.
func TestCutoffStampedByRedis(t *testing.T) {
	rs := redistest.Start(t)
	s := mustOpen(t, rs.URL())
	ctx := context.Background()
	if _, err := s.AnnounceLifetime(ctx, 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	behind := time.Now().Add(-time.Minute)
	got, err := s.CancelCutoff(ctx, tm.Cancellation{Kind: tm.KindSubject, ID: "u", Before: behind, ExpiresAt: behind.Add(time.Minute)}, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Time(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Before.Before(st) || got.Before.After(st.Add(time.Second)) {
		t.Fatalf("cut-off %s, Redis's time %s: want just ahead of Redis's time", got.Before, st)
	}
	if life := got.ExpiresAt.Sub(got.Before); life < 3*time.Hour {
		t.Fatalf("the entry lives %s after its cut-off, want the announced 3h", life)
	}
}
