package tokenmanager

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// TimeSource is implemented by a store shared by many instances whose own
// clock is the reference for everything they decide together (cut-offs,
// expiries, sweeps), so that no instance's clock being ahead or behind
// changes what is refused.
type TimeSource interface {
	// Time returns the store's clock.
	Time(ctx context.Context) (time.Time, error)
}

// Clock is an instance's view of the shared store's clock: its local clock
// corrected by the offset last measured against the store. A Manager and a
// Replica given Clock.Now agree with every other instance on the same store
// to within the measurement's uncertainty (half a round trip), whatever
// their local clocks say. Its zero value follows time.Now with no offset.
type Clock struct {
	// Local is the machine's clock; nil means time.Now. Tests inject one.
	Local func() time.Time

	offset      atomic.Int64 // store minus local, nanoseconds
	uncertainty atomic.Int64 // half the round trip of the best sample, nanoseconds
	synced      atomic.Bool
}

// Now returns the local clock corrected by the measured offset.
func (c *Clock) Now() time.Time { return c.local().Add(time.Duration(c.offset.Load())) }

func (c *Clock) local() time.Time {
	if c.Local == nil {
		return time.Now()
	}
	return c.Local()
}

// Offset returns how far the store's clock is ahead of the local one
// (negative: the local clock is ahead), and the uncertainty of that figure.
func (c *Clock) Offset() (offset, uncertainty time.Duration, synced bool) {
	return time.Duration(c.offset.Load()), time.Duration(c.uncertainty.Load()), c.synced.Load()
}

// clockSamples is how many round trips one Sync takes; the one with the
// shortest round trip gives the offset (the least delayed by the network
// or a busy scheduler).
const clockSamples = 5

// Sync measures the offset to src and adopts it.
func (c *Clock) Sync(ctx context.Context, src TimeSource) error {
	best := time.Duration(-1)
	var offset time.Duration
	for range clockSamples {
		t0 := c.local()
		st, err := src.Time(ctx)
		if err != nil {
			return err
		}
		rtt := c.local().Sub(t0)
		if best >= 0 && rtt >= best {
			continue
		}
		best, offset = rtt, st.Sub(t0.Add(rtt/2))
	}
	c.offset.Store(int64(offset))
	c.uncertainty.Store(int64(best / 2))
	c.synced.Store(true)
	return nil
}

// Check reports an error when the local clock is off from the store's by
// more than limit: the instance still decides with the store's clock, but
// tokens it signs carry times that verifiers elsewhere read with their own
// clocks, so it should not take traffic until its clock is fixed.
func (c *Clock) Check(limit time.Duration) error {
	off, _, ok := c.Offset()
	if !ok {
		return fmt.Errorf("the clock has not been compared with the store's yet")
	}
	if off.Abs() > limit {
		dir := "behind"
		if off < 0 {
			dir = "ahead of"
		}
		return fmt.Errorf("this machine's clock is %s %s the store's (more than %s allowed): fix its time synchronisation",
			off.Abs().Round(100*time.Millisecond), dir, limit)
	}
	return nil
}
