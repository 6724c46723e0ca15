package tokenmanager

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limit is a number of events allowed per window, as in "10/15m".
type Limit struct {
	N      int
	Window time.Duration
}

// ParseLimit parses "N/duration" (for example 10/15m). "0/…" or "off"
// disables the limit.
func ParseLimit(s string) (Limit, error) {
	if s == "off" {
		return Limit{}, nil
	}
	n, w, ok := strings.Cut(s, "/")
	count, err1 := strconv.Atoi(n)
	window, err2 := time.ParseDuration(w)
	if !ok || err1 != nil || err2 != nil || count < 0 || window <= 0 {
		return Limit{}, Errorf(EInvalid, "limit %q is not of the form N/duration (for example 10/15m)", s)
	}
	return Limit{N: count, Window: window}, nil
}

// String returns the limit in the form ParseLimit reads.
func (l Limit) String() string {
	if l.N == 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", l.N, l.Window)
}

// Limiter counts failures per key in fixed windows: once a key has N
// failures in its window, it is refused until the window ends. Keys are
// username+address, so an attacker elsewhere cannot lock a user out, and
// the lock always lifts. Memory is bounded by MaxKeys.
type Limiter struct {
	limit   Limit
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]*window
	// MaxKeys bounds the keys tracked, so a flood of made-up usernames
	// cannot exhaust memory: past it, expired windows are dropped, and if
	// none has expired, the new key is not tracked.
	MaxKeys int
}

type window struct {
	start    time.Time
	failures int
}

// NewLimiter returns a limiter for l; now may be nil.
func NewLimiter(l Limit, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: l, now: now, windows: map[string]*window{}, MaxKeys: 100_000}
}

// Allow reports whether key may try again, and if not, how long until it may.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.limit.N == 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key, false)
	if w == nil || w.failures < l.limit.N {
		return true, 0
	}
	return false, w.start.Add(l.limit.Window).Sub(l.now())
}

// Fail counts a failure of key.
func (l *Limiter) Fail(key string) {
	if l == nil || l.limit.N == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.current(key, true); w != nil {
		w.failures++
	}
}

// current returns key's window if it is still running, starting a new one
// when create is set.
func (l *Limiter) current(key string, create bool) *window {
	now := l.now()
	w, ok := l.windows[key]
	if ok && now.Sub(w.start) < l.limit.Window {
		return w
	}
	if !create {
		return nil
	}
	if len(l.windows) >= l.MaxKeys {
		l.dropExpired(now)
		if len(l.windows) >= l.MaxKeys {
			return nil
		}
	}
	w = &window{start: now}
	l.windows[key] = w
	return w
}

func (l *Limiter) dropExpired(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) >= l.limit.Window {
			delete(l.windows, k)
		}
	}
}
