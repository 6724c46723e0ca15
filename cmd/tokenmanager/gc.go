package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go collector's default (GOGC=100) starts a cycle each time the heap
// has grown by its live size. A server whose live heap is small (some
// tens of MiB: keys, sessions, a modest cancelled set) then collects many
// times a second under load, and each cycle has a fixed cost (stacks of
// every connection's goroutine, the write barrier): at 60,000 forward-auth
// requests a second that was a tenth of the server's CPU
// (docs/benchmarks.md). --gc-headroom lets the heap grow by at least that
// many bytes between cycles, and never by less than GOGC=100 would: the
// percentage is raised while the live heap is small and falls back to 100
// as it grows (a cancelled set of 10^7 entries, 485 MiB, runs at 100). It
// costs at most that much memory more than the default.

// gcHeadroomEvery is how often the live heap is read to set the percentage.
const gcHeadroomEvery = time.Second

// maxGCPercent bounds the percentage while the live heap is tiny.
const maxGCPercent = 1000

// gcPercentFor is the percentage that lets a heap of live bytes grow by
// headroom before the next cycle: at least 100 (the default), at most
// maxGCPercent.
func gcPercentFor(live, headroom uint64) int {
	live = max(live, 4<<20) // the runtime's own minimum heap
	return int(min(max(100, 100*headroom/live), maxGCPercent))
}

// tuneGC sets the collector's percentage from the live heap every
// gcHeadroomEvery until ctx ends. It does nothing when headroom is 0 or
// GOGC is set in the environment (the operator chose). It changes the
// percentage only when it moves by more than a tenth, as each change is
// a brief stop of the world.
func tuneGC(ctx context.Context, headroom uint64, gogcSet bool, log *slog.Logger) {
	if headroom == 0 || gogcSet {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := 100
	t := time.NewTicker(gcHeadroomEvery)
	defer t.Stop()
	defer debug.SetGCPercent(100)
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if p := gcPercentFor(sample[0].Value.Uint64(), headroom); p*10 > last*11 || p*11 < last*10 {
				debug.SetGCPercent(p)
				log.Debug("garbage collector percentage set", "gogc", p, "live_bytes", sample[0].Value.Uint64())
				last = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
