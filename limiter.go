package tokenmanager

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// DefaultLimiterKeys bounds each table of a Limiter (per network, per user,
// known networks): about 14 MB per full table.
const DefaultLimiterKeys = 100_000

// Limiter counts sign-in attempts per key in fixed windows: once a key
// has used its N attempts in its window, it is refused until the window
// ends. An attempt is taken before the password is checked (a pending
// attempt counts, so no burst of any size gets more than N checked) and
// given back only when it succeeds. Keys are username + client network,
// so an attacker elsewhere cannot lock a user out, and the lock always
// lifts. With WithUserLimit, a second, larger allowance per username
// across every network paces a distributed guesser (see Begin).
//
// Memory is bounded by MaxKeys per table: past it, expired windows are
// dropped, then the oldest window is evicted (counted by Evictions). The
// table never stops tracking new keys: a full table does not fail open.
type Limiter struct {
	limit    Limit
	now      func() time.Time
	mu       sync.Mutex
	windows  windowTable
	user     *pacer     // nil without a per-user limit
	known    knownTable // client networks that signed in as a user
	evicted  atomic.Uint64
	initOnce sync.Once
	// MaxKeys bounds the keys tracked in each table (DefaultLimiterKeys
	// by default); set it before first use.
	MaxKeys int
}

// NewLimiter returns a limiter of l attempts per username and client
// network; now may be nil.
func NewLimiter(l Limit, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: l, now: now, MaxKeys: DefaultLimiterKeys}
}

// WithUserLimit adds a per-username limit across every client network
// and returns l: it paces a guesser spread over many addresses (see
// Begin). u.N should be well above the per-network limit; 0 turns it off.
// Call it before first use.
func (l *Limiter) WithUserLimit(u Limit) *Limiter {
	if u.N > 0 {
		l.user = &pacer{limit: u}
	}
	return l
}

// Evictions returns how many tracked keys were evicted because a table
// was full (exported as a metric: a non-zero rate means MaxKeys is too
// small for the traffic, or a flood of made-up names is under way).
func (l *Limiter) Evictions() uint64 {
	if l == nil {
		return 0
	}
	return l.evicted.Load()
}

// init sizes the tables on first use, so MaxKeys may be set after New.
func (l *Limiter) init() {
	l.initOnce.Do(func() {
		if l.MaxKeys <= 0 {
			l.MaxKeys = DefaultLimiterKeys
		}
		l.windows.init(l.MaxKeys, &l.evicted)
		l.known.init(l.MaxKeys, nil) // forgetting a known network only paces it
		if l.user != nil {
			l.user.table.init(l.MaxKeys, &l.evicted)
		}
	})
}
