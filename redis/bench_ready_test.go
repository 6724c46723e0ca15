package redis

import (
	"context"
	"runtime"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// BenchmarkStartToReady is what an instance does between its start and
// its first ready answer on a Redis that holds 10^6 cancellations: open the
// store, connect the feed, load the whole set into a fresh replica. It also
// reports the replica's heap per entry.
//
//	go test -run '^$' -bench StartToReady -benchtime 3x ./redis/
func BenchmarkStartToReady(b *testing.B) {
	const n = 1_000_000
	srv := redistest.Start(b)
	fillCancellations(b, srv, mustOpen(b, srv.URL()), n)
	for b.Loop() {
		before := heapBytes()
		start := time.Now()
		s := mustOpen(b, srv.URL())
		r := tm.NewReplica(s, s, nil)
		ctx, cancel := context.WithCancel(context.Background())
		go r.Run(ctx, s.Ping)
		for !r.Ready() {
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s-to-ready")
		if r.Set.Len() != n {
			b.Fatalf("replica holds %d entries, want %d", r.Set.Len(), n)
		}
		b.ReportMetric(float64(heapBytes()-before)/n, "replica-bytes/entry")
		cancel()
		runtime.KeepAlive(r)
	}
}

func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
