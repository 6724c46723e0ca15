package redis

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff spaces the feed's reconnects: doubling from min to max, with
// jitter so that many instances do not reconnect in step after an outage.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

func (b *backoff) reset() { b.cur = 0 }

// peek returns the next wait without taking it.
func (b *backoff) peek() time.Duration { return max(b.cur, b.min) }

// sleep waits the next interval, or until ctx ends.
func (b *backoff) sleep(ctx context.Context) {
	d := b.peek()
	b.cur = min(2*d, b.max)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
