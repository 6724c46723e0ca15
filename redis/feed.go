package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// grace is how long past the block time a feed read may take before the
// link is deemed dead, and probeTimeout how long the probe that follows may
// take: together they bound how late a live feed notices a frozen Redis.
// connectTimeout bounds the commands of a (re)connect, when the feed is not
// live anyway and a starved machine should not turn a slow answer into one
// more failed attempt and a longer backoff.
const (
	grace          = 250 * time.Millisecond
	probeTimeout   = 500 * time.Millisecond
	connectTimeout = 2 * time.Second
	readCount      = 1000
)

// Watch delivers to h every cancellation made through any Store on the same
// Redis, until ctx ends or the store is closed; it returns ctx.Err() (nil
// when the store was closed). The package documentation says how it proves
// that it missed nothing.
func (s *Store) Watch(ctx context.Context, h tm.FeedHandler) error {
	f := &follower{s: s, h: h}
	b := backoff{min: 50 * time.Millisecond, max: 2 * time.Second}
	for ctx.Err() == nil {
		wasLive, err := f.follow(ctx)
		if ctx.Err() != nil {
			break
		}
		h.Live(false)
		if errors.Is(err, goredis.ErrClosed) {
			return nil
		}
		if wasLive {
			b.reset()
			s.log.Warn("the change feed lost Redis; reconnecting", "err", err)
		}
		s.log.Debug("cannot follow the change feed; retrying", "err", err, "in", b.peek())
		b.sleep(ctx)
	}
	return ctx.Err()
}

// position is where the feed stands: the ID and the number of an entry.
type position struct {
	id  string
	seq int64
}

// follower is one Watch call's state.
type follower struct {
	s      *Store
	h      tm.FeedHandler
	pos    position
	behind int // idle probes in a row that saw entries the reads did not return
}

// follow connects, resyncs and reads until an error; it reports whether
// it got as far as Live(true).
func (f *follower) follow(ctx context.Context) (bool, error) {
	if err := f.resync(ctx); err != nil {
		return false, err
	}
	if err := f.catchUp(ctx); err != nil {
		return false, err
	}
	f.s.checkPersistence(ctx)
	f.h.Live(true)
	for {
		if err := f.step(ctx); err != nil {
			return true, err
		}
	}
}

// resync takes the feed's position, then has the handler reload the set.
func (f *follower) resync(ctx context.Context) error {
	pos, err := f.position(ctx, connectTimeout)
	if err != nil {
		return err
	}
	if err := f.h.Resync(ctx); err != nil {
		return err
	}
	f.pos, f.behind = pos, 0
	return nil
}

// position reads the feed's position, within timeout.
func (f *follower) position(ctx context.Context, timeout time.Duration) (position, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	keys := []string{f.s.k.seq(), f.s.k.stream()}
	v, err := positionScript.Run(ctx, f.s.feed, keys).Slice()
	if err != nil {
		return position{}, err
	}
	return decodePosition(v)
}
