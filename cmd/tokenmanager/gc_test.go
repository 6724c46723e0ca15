package main

import (
	"context"
	"io"
	"log/slog"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name           string
		live, headroom uint64
		want           int
	}{
		{"TinyHeapCapped", 1 * mib, 64 * mib, 1000}, // counted as the runtime's 4 MiB minimum: 1600, capped
		{"SmallHeapRaised", 16 * mib, 64 * mib, 400},
		{"HeapAsLargeAsHeadroom", 64 * mib, 64 * mib, 100},
		{"LargeHeapDefault", 485 * mib, 64 * mib, 100},
		{"NoHeapYet", 0, 8 * mib, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := gcPercentFor(c.live, c.headroom); got != c.want {
				t.Fatalf("gcPercentFor(%d MiB, %d MiB) = %d, want %d", c.live/mib, c.headroom/mib, got, c.want)
			}
		})
	}
}

// gogc reads the collector's percentage as the runtime reports it.
func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestTuneGC: with headroom the percentage rises above 100 while the
// test's heap is small, and is put back to 100 when the server stops;
// with GOGC set in the environment or --gc-headroom off it is left alone.
func TestTuneGC(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Run("Raised", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); tuneGC(ctx, 1<<30, false, log) }()
		deadline := time.Now().Add(5 * time.Second)
		for gogc() <= 100 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if p := gogc(); p <= 100 {
			t.Fatalf("GOGC %d with 1 GiB of headroom", p)
		}
		cancel()
		<-done
		if p := gogc(); p != 100 {
			t.Fatalf("GOGC %d after the server stopped", p)
		}
	})
	for name, c := range map[string]struct {
		headroom uint64
		gogcSet  bool
	}{"GOGCSet": {1 << 30, true}, "Off": {0, false}} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			tuneGC(ctx, c.headroom, c.gogcSet, log) // returns at once
			if p := gogc(); p != 100 {
				t.Fatalf("GOGC %d", p)
			}
		})
	}
}
