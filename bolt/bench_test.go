package bolt_test

import (
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// BenchmarkCancel measures a durable Cancel: one fsynced bbolt commit.
// "New" adds a fresh token entry each time; "Merge" cancels one subject
// again and again, which reads and rewrites its entry.
//
//	go test -run '^$' -bench Cancel -benchmem ./bolt/
func BenchmarkCancel(b *testing.B) {
	expires := time.Now().Add(time.Hour)
	for _, bc := range []struct {
		name  string
		entry func(i int) tokenmanager.Cancellation
	}{
		{"New", func(i int) tokenmanager.Cancellation {
			return tokenmanager.Cancellation{Kind: tokenmanager.KindToken, Issuer: "https://issuer.example",
				ID: "jti-" + strconv.Itoa(i), Before: expires, ExpiresAt: expires}
		}},
		{"Merge", func(i int) tokenmanager.Cancellation {
			at := expires.Add(time.Duration(i) * time.Millisecond)
			return tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: "alice", Before: at, ExpiresAt: at}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := mustOpen(b, filepath.Join(b.TempDir(), "tokenmanager.db"))
			defer s.Close()
			ctx := b.Context()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := s.Cancel(ctx, bc.entry(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCancelConcurrent is Cancel from 64 concurrent clients, the
// writes committed in groups: ops/s of all clients together, and the
// writes per commit (per fsync).
//
//	go test -run '^$' -bench CancelConcurrent ./bolt/
func BenchmarkCancelConcurrent(b *testing.B) {
	s := mustOpen(b, filepath.Join(b.TempDir(), "tokenmanager.db"))
	defer s.Close()
	expires := time.Now().Add(time.Hour)
	var n atomic.Int64
	b.SetParallelism(32)
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := tokenmanager.Cancellation{Kind: tokenmanager.KindToken, Issuer: "https://issuer.example",
				ID: "jti-" + strconv.FormatInt(n.Add(1), 10), Before: expires, ExpiresAt: expires}
			if err := s.Cancel(b.Context(), c); err != nil {
				b.Error(err)
				return
			}
		}
	})
	el := time.Since(start)
	commits, writes := bolt.GroupStats(s)
	b.ReportMetric(float64(b.N)/el.Seconds(), "ops/s")
	b.ReportMetric(float64(writes)/float64(commits), "writes/commit")
	b.ReportMetric(el.Seconds()*1000/float64(commits), "ms/commit")
}
