package tokenmanager_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/redis"
)

// durableClients is the number of concurrent clients of
// BenchmarkDurableWrites.
const durableClients = 64

// durableStore opens the store a durable-write benchmark runs on: the
// embedded one, or a fresh Redis with appendonly yes and appendfsync
// always (each write fsynced before it is acknowledged), on the same disk.
func durableStore(b *testing.B, kind string) tokenmanager.Store {
	if kind == "bolt" {
		s, err := bolt.Open(filepath.Join(b.TempDir(), "tm.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	srv := redistest.Start(b, redistest.WithAOF())
	s, err := redis.Open(context.Background(), srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkDurableWrites is durable writes with 64 concurrent clients,
// through the Manager, on the embedded store and on Redis with appendfsync
// always, in the same run (-count interleaves them): "cancel" is a
// cancellation acknowledged (fsynced) and applied to the replica;
// "refresh" is a refresh-token rotation (the session read, rewritten and
// fsynced, a pair signed). The figure is ops/s, all clients together.
//
//	go test -run '^$' -bench DurableWrites -count 6 .
func BenchmarkDurableWrites(b *testing.B) {
	for _, kind := range []string{"bolt", "redis-aof"} {
		b.Run(kind+"/cancel", func(b *testing.B) {
			m := durableManager(b, kind)
			exp := time.Now().Add(time.Hour)
			var n atomic.Int64
			runClients(b, func() error {
				c := &tokenmanager.Claims{Issuer: "https://tm.test", ID: "jti-" + strconv.FormatInt(n.Add(1), 10), ExpiresAt: exp}
				return m.CancelToken(context.Background(), c)
			})
		})
		b.Run(kind+"/refresh", func(b *testing.B) {
			m := durableManager(b, kind)
			pairs := make(chan string, durableClients*2)
			for range cap(pairs) {
				p, err := m.Issue(context.Background(), "alice", tokenmanager.SessionMeta{})
				if err != nil {
					b.Fatal(err)
				}
				pairs <- p.RefreshToken
			}
			runClients(b, func() error {
				rt := <-pairs
				p, err := m.Refresh(context.Background(), rt, tokenmanager.SessionMeta{})
				if err != nil {
					return err
				}
				pairs <- p.RefreshToken
				return nil
			})
		})
	}
}

// durableManager is a Manager on a store of kind, with a live replica.
func durableManager(b *testing.B, kind string) *tokenmanager.Manager {
	store := durableStore(b, kind)
	ks, _ := jose.NewKeySet(jose.DefaultAlg)
	codec, _ := jose.NewCodec(ks, jose.Options{Issuer: "https://tm.test", Leeway: time.Second})
	quiet := slog.New(slog.DiscardHandler)
	replica := tokenmanager.NewReplica(store, nil, quiet)
	if err := replica.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	replica.Live(true)
	return tokenmanager.NewManager(tokenmanager.Config{Issuer: "https://tm.test"}, codec, store, replica, ks.RefreshKey, quiet)
}

// runClients runs op b.N times from durableClients goroutines and reports
// the operations per second of all of them together.
func runClients(b *testing.B, op func() error) {
	b.SetParallelism((durableClients + 1) / 2) // × GOMAXPROCS (2 here) goroutines
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}
