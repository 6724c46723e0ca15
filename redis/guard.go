package redis

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
)

// Guard keeps one instance in agreement with the others on the store, and
// says when it is not: every Every it measures the store's clock (and
// corrects Clock by it), announces the instance's longest token lifetime,
// compares its settings with the other instances', and checks that Redis
// does not evict keys. Check returns the first problem found, for the
// readiness endpoint; a change is logged once.
type Guard struct {
	Store *Store
	// Clock is corrected by the store's clock on every round.
	Clock *tm.Clock
	// MaxClockOffset is how far the local clock may be from the store's
	// before the instance is not ready.
	MaxClockOffset time.Duration
	// ID names this instance among the others (host and a random part).
	ID string
	// Settings are the flags that decide what is refused, by name.
	Settings map[string]string
	// Lifetime is the longest a token this instance issues can live
	// (longest TTL plus leeway): the least a session or subject
	// cancellation must live.
	Lifetime time.Duration
	// AllowEviction accepts an evicting maxmemory-policy.
	AllowEviction bool
	Every         time.Duration
	Logger        *slog.Logger
	// OnClock, when set, gets every measured offset (store minus local).
	OnClock func(offset time.Duration)

	state atomic.Pointer[guardState]
}

type guardState struct{ err error }

// Check returns why the instance must not take traffic, or nil.
func (g *Guard) Check() error {
	if s := g.state.Load(); s != nil {
		return s.err
	}
	return errors.New("not yet compared with the other instances on the store")
}

// Run does a round every Every until ctx ends, then withdraws the
// instance's registration.
func (g *Guard) Run(ctx context.Context) {
	if g.Check() != nil { // the first round failed (Redis down at start): retry at once
		g.Round(ctx)
	}
	t := time.NewTicker(g.every())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			_ = g.Store.Leave(lctx, g.ID)
			return
		case <-t.C:
			g.Round(ctx)
		}
	}
}

func (g *Guard) every() time.Duration {
	if g.Every <= 0 {
		return 3 * time.Second
	}
	return g.Every
}

// Round checks everything once and records the result.
func (g *Guard) Round(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := g.round(ctx)
	g.record(err)
	return err
}

func (g *Guard) round(ctx context.Context) error {
	if err := g.Clock.Sync(ctx, g.Store); err != nil {
		return err
	}
	off, _, _ := g.Clock.Offset()
	if g.OnClock != nil {
		g.OnClock(off)
	}
	var errs []error
	if err := g.Clock.Check(g.MaxClockOffset); err != nil {
		errs = append(errs, err)
	}
	if _, err := g.Store.AnnounceLifetime(ctx, g.Lifetime); err != nil {
		return err
	}
	if err := g.Store.Agree(ctx, g.ID, g.Settings); err != nil {
		errs = append(errs, err)
	}
	if !g.AllowEviction {
		if err := g.Store.CheckEviction(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// record keeps err and logs it when it differs from the last one.
func (g *Guard) record(err error) {
	old := g.state.Swap(&guardState{err})
	if old != nil && errText(old.err) == errText(err) {
		return
	}
	switch {
	case err != nil && tm.ErrorCode(err) != tm.EUnavailable:
		g.Logger.Error("NOT READY: this instance does not agree with the store or the other instances", "err", err)
	case err == nil && old != nil && old.err != nil:
		g.Logger.Info("this instance agrees with the store and the other instances again")
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
