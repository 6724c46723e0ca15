package tokenmanager

import (
	"fmt"
	"testing"
	"time"
)

// fakeNow is a clock a test moves by hand.
type fakeNow struct{ t time.Time }

func (c *fakeNow) now() time.Time          { return c.t }
func (c *fakeNow) advance(d time.Duration) { c.t = c.t.Add(d) }

// mustBegin takes an attempt and fails the test if it is refused.
func mustBegin(t *testing.T, l *Limiter, user, addr string) *Attempt {
	t.Helper()
	a, err := l.Begin(user, addr)
	if err != nil {
		t.Fatalf("Begin(%q, %q) refused: %v", user, addr, err)
	}
	return a
}

// wantRefused checks that Begin is refused with a Retry of want.
func wantRefused(t *testing.T, l *Limiter, user, addr string, want time.Duration) {
	t.Helper()
	_, err := l.Begin(user, addr)
	e, ok := err.(*Error)
	if !ok || e.Code != ERateLimited || e.Retry != want {
		t.Fatalf("Begin(%q, %q) = %v; want rate_limited for %s", user, addr, err, want)
	}
}

// TestLimiter: the per-network windows, step by step.
func TestLimiter(t *testing.T) {
	c := &fakeNow{t0}
	l := NewLimiter(Limit{N: 3, Window: time.Minute}, c.now)
	for _, st := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"FailuresCount", func(t *testing.T) {
			for range 3 {
				mustBegin(t, l, "alice", "192.0.2.1")
			}
			wantRefused(t, l, "alice", "192.0.2.1", time.Minute)
		}},
		{"OtherAddressNotLocked", func(t *testing.T) { mustBegin(t, l, "alice", "192.0.2.2").Succeeded() }},
		{"OtherUserNotLocked", func(t *testing.T) { mustBegin(t, l, "bob", "192.0.2.1").Succeeded() }},
		{"HammeringDoesNotExtend", func(t *testing.T) {
			c.advance(30 * time.Second)
			wantRefused(t, l, "alice", "192.0.2.1", 30*time.Second)
		}},
		{"LiftsAfterTheWindow", func(t *testing.T) {
			c.advance(30 * time.Second)
			mustBegin(t, l, "alice", "192.0.2.1").Succeeded()
		}},
		{"SuccessesDoNotCount", func(t *testing.T) {
			for range 10 {
				mustBegin(t, l, "alice", "192.0.2.1").Succeeded()
			}
		}},
		{"UncheckedDoesNotCount", func(t *testing.T) {
			for range 10 {
				mustBegin(t, l, "alice", "192.0.2.1").Unchecked()
			}
		}},
		{"GivenBackOnce", func(t *testing.T) {
			a := mustBegin(t, l, "carol", "192.0.2.1")
			for range 5 {
				a.Succeeded()
			}
			for range 3 {
				mustBegin(t, l, "carol", "192.0.2.1")
			}
			wantRefused(t, l, "carol", "192.0.2.1", time.Minute)
		}},
		{"OldWindowNotCreditedToTheNext", func(t *testing.T) {
			a := mustBegin(t, l, "dave", "192.0.2.1")
			c.advance(time.Minute)
			for range 3 {
				mustBegin(t, l, "dave", "192.0.2.1")
			}
			a.Succeeded() // belongs to the ended window
			wantRefused(t, l, "dave", "192.0.2.1", time.Minute)
		}},
	} {
		t.Run(st.name, st.run)
	}
}

// TestLimiterPendingAttemptsCount: an attempt counts from Begin, before
// its password is checked, so N attempts in flight use the allowance.
func TestLimiterPendingAttemptsCount(t *testing.T) {
	l := NewLimiter(Limit{N: 10, Window: 15 * time.Minute}, (&fakeNow{t0}).now)
	for range 10 {
		mustBegin(t, l, "alice", "192.0.2.1") // none finished yet
	}
	wantRefused(t, l, "alice", "192.0.2.1", 15*time.Minute)
}

// TestLimiterFullTable: a full table evicts its oldest window and counts
// it; it never stops tracking new keys (it used to allow them all).
func TestLimiterFullTable(t *testing.T) {
	c := &fakeNow{t0}
	l := NewLimiter(Limit{N: 2, Window: time.Minute}, c.now)
	l.MaxKeys = 3
	lock := func(user string) {
		mustBegin(t, l, user, "192.0.2.1")
		mustBegin(t, l, user, "192.0.2.1")
		wantRefused(t, l, user, "192.0.2.1", time.Minute)
	}
	for _, u := range []string{"a", "b", "c"} {
		lock(u)
		c.advance(time.Second)
	}
	t.Run("NewKeyTracked", func(t *testing.T) { lock("d") })
	t.Run("OldestEvicted", func(t *testing.T) {
		if n := l.Evictions(); n != 1 {
			t.Fatalf("Evictions = %d, want 1", n)
		}
	})
	t.Run("OthersStillLocked", func(t *testing.T) {
		wantRefused(t, l, "b", "192.0.2.1", 58*time.Second)
		wantRefused(t, l, "c", "192.0.2.1", 59*time.Second)
	})
	t.Run("ExpiredDroppedBeforeEvicting", func(t *testing.T) {
		c.advance(time.Minute)
		lock("e")
		lock("f")
		if n := l.Evictions(); n != 1 {
			t.Fatalf("Evictions = %d, want still 1: expired windows make room first", n)
		}
	})
}

// TestClientNetwork: IPv6 clients are limited per /64.
func TestClientNetwork(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"IPv4", "192.0.2.1", "192.0.2.1"},
		{"IPv4Mapped", "::ffff:192.0.2.1", "192.0.2.1"},
		{"IPv6", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"IPv6SameSlash64", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"IPv6Zone", "fe80::1%eth0", "fe80::/64"},
		{"Empty", "", ""},
		{"NotAnAddress", "unix", "unix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ClientNetwork(tc.in); got != tc.want {
				t.Fatalf("ClientNetwork(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestLimiterIPv6Slash64: addresses of one /64 share their allowance.
func TestLimiterIPv6Slash64(t *testing.T) {
	l := NewLimiter(Limit{N: 3, Window: time.Minute}, (&fakeNow{t0}).now)
	for i := range 3 {
		mustBegin(t, l, "alice", "2001:db8:1:2::"+string(rune('a'+i)))
	}
	t.Run("SameSlash64Refused", func(t *testing.T) { wantRefused(t, l, "alice", "2001:db8:1:2:ffff::1", time.Minute) })
	t.Run("OtherSlash64Allowed", func(t *testing.T) { mustBegin(t, l, "alice", "2001:db8:1:3::1") })
}

// TestLimiterPerUser: with 3 a minute per network and 4 a minute per
// user, a guesser on many networks gets 4 at once, then one every 15 s:
// slowed, never locked out for longer than that; a network the user has
// signed in from is not paced at all.
func TestLimiterPerUser(t *testing.T) {
	c := &fakeNow{t0}
	l := NewLimiter(Limit{N: 3, Window: time.Minute}, c.now).WithUserLimit(Limit{N: 4, Window: time.Minute})
	mustBegin(t, l, "alice", "198.51.100.7").Succeeded() // alice's own device
	addr := func(i int) string { return "203.0.113." + string(rune('0'+i)) }
	for _, st := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"BurstAcrossNetworks", func(t *testing.T) {
			for i := range 4 {
				mustBegin(t, l, "alice", addr(i))
			}
		}},
		{"ThenPaced", func(t *testing.T) { wantRefused(t, l, "alice", addr(5), 15*time.Second) }},
		{"RefusalNotCountedPerNetwork", func(t *testing.T) {
			for range 3 {
				wantRefused(t, l, "alice", addr(5), 15*time.Second)
			}
			c.advance(15 * time.Second)
			mustBegin(t, l, "alice", addr(5))
		}},
		{"OneEvery15s", func(t *testing.T) {
			wantRefused(t, l, "alice", addr(6), 15*time.Second)
			c.advance(15 * time.Second)
			mustBegin(t, l, "alice", addr(6))
		}},
		{"KnownNetworkNotPaced", func(t *testing.T) { mustBegin(t, l, "alice", "198.51.100.7").Succeeded() }},
		{"OtherUserNotPaced", func(t *testing.T) { mustBegin(t, l, "bob", addr(7)) }},
		{"SuccessGivesTheAllowanceBack", func(t *testing.T) {
			c.advance(15 * time.Second)
			mustBegin(t, l, "alice", addr(8)).Succeeded()
			mustBegin(t, l, "alice", addr(8))
		}},
	} {
		t.Run(st.name, st.run)
	}
}

// TestLimiterFloodCannotEvictALockedKey: a flood of fresh keys (one
// attempt each) fills the table; it evicts its own entries, not the
// window that locks the attacker out, so flooding does not reopen it.
func TestLimiterFloodCannotEvictALockedKey(t *testing.T) {
	c := &fakeNow{t0}
	l := NewLimiter(Limit{N: 3, Window: time.Minute}, c.now).WithUserLimit(Limit{N: 5, Window: time.Minute})
	l.MaxKeys = 10
	for range 3 {
		mustBegin(t, l, "alice", "203.0.113.66")
	}
	for i := range 100 {
		c.advance(100 * time.Millisecond)
		mustBegin(t, l, fmt.Sprintf("made-up-%d", i), "203.0.113.66")
	}
	if l.Evictions() < 90 {
		t.Fatalf("Evictions = %d, want the flood's own entries evicted", l.Evictions())
	}
	wantRefused(t, l, "alice", "203.0.113.66", time.Minute-10*time.Second)
	// alice's per-user bucket (5, one back every 12 s) kept its 3 used:
	// 10 s later it holds 2 + 10/12, so two more, then a wait of 2 s.
	for i := range 2 {
		mustBegin(t, l, "alice", fmt.Sprintf("198.51.100.%d", i))
	}
	wantRefused(t, l, "alice", "198.51.100.9", 2*time.Second)
}
