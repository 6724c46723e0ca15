package tokenmanager

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/wait"
)

// OutagePolicy says what the replica does once it has been cut off from the
// store for longer than its maximum staleness.
type OutagePolicy string

// The two outage policies.
const (
	OutageClosed OutagePolicy = "closed" // protected requests get 503
	OutageOpen   OutagePolicy = "open"   // keep answering from the replica
)

// Replica keeps a CancelledSet in step with a CancellationStore: it loads
// the whole set before it reports ready, applies the cancellations of other
// instances from the store's Feed (when the store has one), sweeps expired
// entries, and knows how stale it is. Its zero value is not usable; use
// NewReplica.
type Replica struct {
	Set          *CancelledSet
	Store        CancellationStore
	Feed         Feed // nil for a store only this process writes
	MaxStaleness time.Duration
	OnOutage     OutagePolicy
	Logger       *slog.Logger
	Now          func() time.Time
	// SweepEvery is how often expired entries are swept from the
	// replica and the store.
	SweepEvery time.Duration

	ready    atomic.Bool
	live     atomic.Bool
	cutOffAt atomic.Int64 // unix nanos when the feed or store was lost; 0 while live
	hooks    ReplicaHooks

	// beats is set by the first Confirm: from then on staleness counts
	// from the last confirmation (fresh), whatever Live says.
	beats    atomic.Bool
	fresh    Freshness
	initOnce sync.Once
	journal  *journal // see KeepForRestore
}

// ReplicaHooks lets the program count what the replica does (metrics)
// without the root package importing a metrics library. Nil fields are
// skipped.
type ReplicaHooks struct {
	Applied func(Cancellation)           // a cancellation from the feed
	Swept   func(n int)                  // entries swept from the replica
	Live    func(ok bool)                // the store or feed came back or went away
	Reload  func(d time.Duration, n int) // a full reload took d and loaded n
	// Missed is called, after a reload of a replica that was loaded
	// before, for each entry the reload added or extended: what the feed
	// had not delivered. Publishing these to the event streams replaces
	// dropping every stream after a reload.
	Missed func(Cancellation)
}

// NewReplica returns a replica of store's cancelled set. feed may be nil.
func NewReplica(store CancellationStore, feed Feed, logger *slog.Logger) *Replica {
	if logger == nil {
		logger = slog.Default()
	}
	return &Replica{
		Set: NewCancelledSet(), Store: store, Feed: feed, Logger: logger,
		MaxStaleness: 5 * time.Second, OnOutage: OutageClosed,
		Now: time.Now, SweepEvery: time.Minute,
	}
}

// SetHooks installs the hooks; call it before Run.
func (r *Replica) SetHooks(h ReplicaHooks) { r.hooks = h }

// Ready reports whether the replica has loaded the store's set at least
// once and is in step with it now.
func (r *Replica) Ready() bool { return r.ready.Load() && r.live.Load() }

// IsLive reports whether the replica is connected to the store and caught up.
func (r *Replica) IsLive() bool { return r.live.Load() }

// Staleness returns how long ago the replica was last known to be in step
// with the store: the age of its last confirmation once its source
// confirms (see Confirm); for a source that never confirms, how long it
// has been cut off, 0 while it is live.
func (r *Replica) Staleness() time.Duration {
	if r.beats.Load() {
		return r.fresh.Age()
	}
	at := r.cutOffAt.Load()
	if at == 0 || r.live.Load() {
		return 0
	}
	return r.Now().Sub(time.Unix(0, at))
}

// Usable returns nil when protected requests may be answered from the
// replica: it has loaded, and its last confirmation is at most
// MaxStaleness old (or, for a source that never confirms, it is live or
// cut off for no longer than MaxStaleness), or the policy is open.
// Otherwise an EUnavailable error, which fails the request closed. While
// confirmations keep coming it costs atomic loads and no clock read.
func (r *Replica) Usable() error {
	if !r.ready.Load() {
		return Errorf(EUnavailable, "the cancelled set is not loaded yet")
	}
	if r.OnOutage == OutageOpen {
		return nil
	}
	if r.beats.Load() {
		if r.fresh.Within() {
			return nil
		}
	} else if r.live.Load() || r.Staleness() <= r.MaxStaleness {
		return nil
	}
	return Errorf(EUnavailable, "the token store is unreachable; cannot check for cancellations")
}

// Confirm implements Confirmer: every cancellation the store held at
// moment at is in the replica. Staleness counts from the latest such
// moment from the first call on; set MaxStaleness and Now before it. With
// MaxStaleness 0 no moment is recent enough, so confirmations are ignored
// and the replica answers while live and refuses once cut off.
func (r *Replica) Confirm(at time.Time) {
	if r.MaxStaleness <= 0 {
		return
	}
	r.initOnce.Do(func() {
		r.fresh.Init(r.MaxStaleness, r.Now)
		r.beats.Store(true)
	})
	r.fresh.Confirm(at)
}

// Heartbeat implements Confirmer: a quarter of MaxStaleness (at least
// 10ms, at most a second), so that a healthy store never lets the last
// confirmation grow older than MaxStaleness, even on a loaded machine.
func (r *Replica) Heartbeat() time.Duration {
	if r.MaxStaleness <= 0 {
		return time.Second
	}
	return min(max(r.MaxStaleness/4, 10*time.Millisecond), time.Second)
}

// Load reads the whole set from the store into the replica (merging: an
// entry is never removed by a load, only by a sweep) and marks the replica
// ready and live.
func (r *Replica) Load(ctx context.Context) error {
	start := r.Now()
	cs, err := r.Store.Cancellations(ctx, start)
	if err != nil {
		return Wrap(EUnavailable, err, "cannot load the cancelled set")
	}
	missed, reload := r.hooks.Missed, r.ready.Load()
	for _, c := range cs {
		if r.Set.Merge(c) && reload && missed != nil {
			missed(c)
		}
	}
	r.restoreMissing(ctx, cs)
	if h := r.hooks.Reload; h != nil {
		h(r.Now().Sub(start), len(cs))
	}
	r.ready.Store(true)
	return nil
}

// Apply implements FeedHandler: a cancellation made by another instance.
func (r *Replica) Apply(c Cancellation) {
	r.Set.Add(c)
	r.journal.add(c)
	if h := r.hooks.Applied; h != nil {
		h(c)
	}
}

// Resync implements FeedHandler: reload everything.
func (r *Replica) Resync(ctx context.Context) error { return r.Load(ctx) }

// Live implements FeedHandler, and is also what Run's store pings report.
func (r *Replica) Live(ok bool) {
	was := r.live.Swap(ok)
	switch {
	case ok:
		r.cutOffAt.Store(0)
	case was || r.cutOffAt.Load() == 0:
		r.cutOffAt.CompareAndSwap(0, r.Now().UnixNano())
	}
	if was == ok {
		return
	}
	if ok {
		r.Logger.Info("cancelled-set replica is live: connected to the store and caught up")
	} else {
		r.Logger.Error("cancelled-set replica is cut off from the store",
			"max_staleness", r.MaxStaleness, "on_store_outage", string(r.OnOutage))
	}
	if h := r.hooks.Live; h != nil {
		h(ok)
	}
}

// Run loads the set (retrying until the store answers), then keeps the
// replica in step until ctx ends: it follows the feed when there is one,
// pings the store when there is none, and sweeps expired entries.
func (r *Replica) Run(ctx context.Context, ping func(context.Context) error) {
	go r.sweepLoop(ctx)
	if r.Feed != nil {
		// The feed loads (Resync) before it reports live.
		_ = r.Feed.Watch(ctx, r)
		return
	}
	r.loadUntilDone(ctx)
	r.pingLoop(ctx, ping)
}

func (r *Replica) loadUntilDone(ctx context.Context) {
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		start := r.Now()
		err := r.Load(ctx)
		if err == nil {
			r.Confirm(start)
			r.Live(true)
			return
		}
		r.Live(false)
		r.Logger.Error("cannot load the cancelled set; retrying", "err", err, "in", backoff)
		if !wait.Sleep(ctx, backoff) {
			return
		}
	}
}

// pingLoop confirms the replica of a store only this process writes with
// a ping every Heartbeat: the store answering is what proves it current.
func (r *Replica) pingLoop(ctx context.Context, ping func(context.Context) error) {
	for wait.Sleep(ctx, r.Heartbeat()) {
		if ping == nil {
			r.Confirm(r.Now())
			continue
		}
		start := r.Now()
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			r.Logger.Error("token store ping failed", "err", err)
		}
		if err == nil {
			r.Confirm(start)
		}
		r.Live(err == nil)
	}
}

func (r *Replica) sweepLoop(ctx context.Context) {
	for wait.Sleep(ctx, r.SweepEvery) {
		r.SweepNow(ctx)
	}
}

// SweepNow removes expired entries from the replica and the store.
func (r *Replica) SweepNow(ctx context.Context) {
	now := r.Now()
	n := r.Set.Sweep(now)
	r.journal.sweep(now)
	if h := r.hooks.Swept; h != nil {
		h(n)
	}
	if _, err := r.Store.Sweep(ctx, now); err != nil && ctx.Err() == nil {
		r.Logger.Warn("sweeping expired cancellations from the store failed", "err", err)
	}
}
