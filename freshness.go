package tokenmanager

import (
	"sync/atomic"
	"time"
)

// Confirmer is a FeedHandler that counts its staleness from the last
// moment its feed proved it current, not from the moment the feed noticed
// a loss (a frozen store is noticed only after a read times out). A Feed
// that can prove currency calls Confirm at least every Heartbeat while the
// store answers; the Replica implements it.
type Confirmer interface {
	// Confirm records that every cancellation the store held at the given
	// moment has been delivered: the moment the command whose answer
	// proved it was sent (never the moment the answer arrived).
	Confirm(at time.Time)
	// Heartbeat is the longest the feed may go without a confirmation
	// while the store is healthy: a quarter of the staleness allowed, so
	// that a healthy store, even on a loaded machine, never trips it.
	Heartbeat() time.Duration
}

// Freshness tracks when a replica of the cancelled set was last confirmed
// current, and whether that was at most Max ago. Within reads the
// monotonic clock on every call (a vDSO call, tens of nanoseconds): an
// earlier version trusted a flag that a timer cleared, and under a loaded
// machine the timer ran late enough to let a replica answer past its
// bound. The zero value is not usable; use Init.
type Freshness struct {
	max   time.Duration
	now   func() time.Time
	epoch time.Time

	at   atomic.Int64 // last confirmation, nanoseconds after epoch
	seen atomic.Bool  // at least one confirmation
}

// Init readies f for a staleness bound of max on the clock now (time.Now
// when nil). Call it once, before any other method.
func (f *Freshness) Init(max time.Duration, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	f.max, f.now, f.epoch = max, now, now()
}

// Max returns the staleness bound.
func (f *Freshness) Max() time.Duration { return f.max }

// Confirm records a confirmation at the given moment; an older one than
// the last is ignored.
func (f *Freshness) Confirm(at time.Time) {
	t := int64(at.Sub(f.epoch))
	for {
		old := f.at.Load()
		if f.seen.Load() && t <= old {
			return
		}
		if f.at.CompareAndSwap(old, t) {
			break
		}
	}
	f.seen.Store(true)
}

// Age returns how long ago the last confirmation was; a very long time
// when there was none.
func (f *Freshness) Age() time.Duration {
	if !f.seen.Load() {
		return 1<<63 - 1
	}
	return f.now().Sub(f.epoch) - time.Duration(f.at.Load())
}

// Confirmed reports whether there was at least one confirmation.
func (f *Freshness) Confirmed() bool { return f.seen.Load() }

// Within reports whether the last confirmation is at most Max old.
func (f *Freshness) Within() bool { return f.Age() <= f.max }
