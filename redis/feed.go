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
// On a link slower than that they stretch to twice its round trip (see
// follower.slack), so that a slow link is not taken for a dead one.
// connectTimeout bounds the commands of a (re)connect, when the feed is not
// live anyway and a starved machine should not turn a slow answer into one
// more failed attempt and a longer backoff.
const (
	grace          = 250 * time.Millisecond
	probeTimeout   = 500 * time.Millisecond
	connectTimeout = 2 * time.Second
	maxConnect     = 4 * time.Second
	readCount      = 1000
)

// Watch delivers to h every cancellation made through any Store on the same
// Redis, until ctx ends or the store is closed; it returns ctx.Err() (nil
// when the store was closed). The package documentation says how it proves
// that it missed nothing.
func (s *Store) Watch(ctx context.Context, h tm.FeedHandler) error {
	f := &follower{s: s, h: h, block: s.cfg.block}
	if c, ok := h.(tm.Confirmer); ok {
		f.confirmer, f.block = c, min(f.block, c.Heartbeat())
	}
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

// position is where the feed stands: the ID and the number of an entry,
// and (for a probe) when the command that read it was sent.
type position struct {
	id  string
	seq int64
	at  time.Time
}

// follower is one Watch call's state.
type follower struct {
	s *Store
	h tm.FeedHandler
	// confirmer is h when it counts staleness from confirmations; block
	// is the blocking read's wait, at most its Heartbeat, so that a
	// healthy feed confirms at least that often.
	confirmer tm.Confirmer
	block     time.Duration
	pos       position
	behind    int           // idle probes in a row that saw entries the reads did not return
	rtt       time.Duration // the link's recent round trip, from the position probes
	// connect is how long the next (re)connect's commands may take: it
	// doubles after one timed out (a new connection to a slow link costs
	// several round trips), up to maxConnect, and falls back once one
	// succeeds.
	connect time.Duration
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
	f.connect = 0
	f.h.Live(true)
	for {
		if err := f.step(ctx); err != nil {
			return true, err
		}
	}
}

// resync takes the feed's position, then has the handler reload the set.
func (f *follower) resync(ctx context.Context) error {
	pos, err := f.position(ctx, f.connectWithin())
	if err != nil {
		f.connectFailed(err)
		return err
	}
	if err := f.h.Resync(ctx); err != nil {
		return err
	}
	f.pos, f.behind = pos, 0
	return nil
}

// confirm tells the handler that it held every entry the feed had at the
// given moment (when a command sent then was answered).
func (f *follower) confirm(at time.Time) {
	if f.confirmer != nil {
		f.confirmer.Confirm(at)
	}
}

// position reads the feed's position, within timeout, and times the
// round trip.
func (f *follower) position(ctx context.Context, timeout time.Duration) (position, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	keys := []string{f.s.k.seq(), f.s.k.stream()}
	start := time.Now()
	v, err := positionScript.Run(ctx, f.s.feed, keys).Slice()
	if err != nil {
		return position{}, err
	}
	f.observe(time.Since(start))
	pos, err := decodePosition(v)
	pos.at = start
	return pos, err
}

// observe folds a round trip into rtt: a slower one at once, faster ones
// by an eighth each, so that a link that became slow is known slow at the
// next probe and one that recovered is trusted again gradually.
func (f *follower) observe(d time.Duration) {
	if d > f.rtt {
		f.rtt = d
		return
	}
	f.rtt -= (f.rtt - d) / 8
}

// connectWithin returns the timeout of a (re)connect's commands.
func (f *follower) connectWithin() time.Duration {
	return f.slack(max(connectTimeout, f.connect))
}

// connectFailed lengthens the next connect's timeout after one timed out,
// as TCP backs off its retransmission timeout: a link too slow for the
// current one gets a longer one, a dead link costs at most maxConnect
// per attempt.
func (f *follower) connectFailed(err error) {
	if timedOut(err) {
		f.connect = min(2*max(connectTimeout, f.connect), maxConnect)
	}
}

// slack returns how long past what it needs a feed command may take before
// the link is deemed dead: fixed on a fast link, twice the recent round
// trip on a slow one (500ms of latency is slow, not dead; a frozen Redis
// or a dropped link is then noticed within block + 4 round trips).
func (f *follower) slack(fixed time.Duration) time.Duration { return max(fixed, 2*f.rtt) }
