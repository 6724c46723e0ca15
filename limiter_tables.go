package tokenmanager

import "time"

// windowTable holds a fixed window per key, in order of their start. A
// window that has ended, or whose attempts were all given back, is the
// same as none: such windows at the front make room before any eviction.
type windowTable struct{ boundedTable[window] }

type window struct {
	start time.Time
	used  int // attempts taken and not given back
}

// take takes one attempt of key, starting a new window when its last one
// has ended. It returns the start of the window the attempt belongs to,
// or, when refused, how long until the window ends.
func (t *windowTable) take(key string, now time.Time, l Limit) (start time.Time, ok bool, wait time.Duration) {
	n := t.get(key)
	if n != nil && now.Sub(n.v.start) >= l.Window {
		n.v = window{start: now}
		t.touch(n) // a restarted window is the newest: the order stays by start
	}
	if n == nil {
		stale := func(w *window) bool { return w.used == 0 || now.Sub(w.start) >= l.Window }
		n = t.add(key, window{start: now}, stale, func(w *window) int { return w.used })
	}
	if n.v.used >= l.N {
		return time.Time{}, false, n.v.start.Add(l.Window).Sub(now)
	}
	n.v.used++
	return n.v.start, true, 0
}

// give gives back an attempt taken in the window that started at start;
// an attempt of a window that has ended since is not given to the next.
func (t *windowTable) give(key string, start time.Time) {
	if n := t.get(key); n != nil && n.v.start.Equal(start) && n.v.used > 0 {
		n.v.used--
	}
}

// pacer is a token bucket per key: N attempts at once, then one every
// Window/N. It slows a guesser down without ever locking the key for
// longer than Window/N.
type pacer struct {
	limit Limit
	table boundedTable[bucket]
}

type bucket struct {
	tokens float64
	at     time.Time
}

// rate is the refill, in attempts per second.
func (p *pacer) rate() float64 { return float64(p.limit.N) / p.limit.Window.Seconds() }

// refill adds the attempts earned since b was last seen.
func (p *pacer) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(p.limit.N), b.tokens+d.Seconds()*p.rate())
	}
	b.at = now
}

// take takes one attempt of key, or says how long until the next one.
func (p *pacer) take(key string, now time.Time) (bool, time.Duration) {
	n := p.table.get(key)
	if n == nil {
		full := func(b *bucket) bool { p.refill(b, now); return b.tokens >= float64(p.limit.N) }
		used := func(b *bucket) int { return int(float64(p.limit.N) - b.tokens) }
		n = p.table.add(key, bucket{tokens: float64(p.limit.N), at: now}, full, used)
	}
	p.table.touch(n)
	p.refill(&n.v, now)
	if n.v.tokens < 1 {
		return false, time.Duration((1 - n.v.tokens) / p.rate() * float64(time.Second))
	}
	n.v.tokens--
	return true, 0
}

// give gives an attempt back to key.
func (p *pacer) give(key string, now time.Time) {
	if n := p.table.get(key); n != nil {
		p.refill(&n.v, now)
		n.v.tokens = min(float64(p.limit.N), n.v.tokens+1)
	}
}

// KnownNetworkFor is how long a client network that signed in as a user
// stays exempt from that user's pacing.
const KnownNetworkFor = 30 * 24 * time.Hour

// knownTable remembers, per username and client network, the last
// successful sign-in. Forgetting an entry (when full) only makes that
// network paced like any other: it never lets more attempts through.
type knownTable struct{ boundedTable[time.Time] }

func (t *knownTable) has(key string, now time.Time) bool {
	n := t.get(key)
	return n != nil && now.Sub(n.v) < KnownNetworkFor
}

func (t *knownTable) remember(key string, now time.Time) {
	if n := t.get(key); n != nil {
		n.v = now
		t.touch(n)
		return
	}
	t.add(key, now, func(at *time.Time) bool { return now.Sub(*at) >= KnownNetworkFor }, func(*time.Time) int { return 0 })
}
