package tokenmanager_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/jose"
)

// benchManager returns a Manager for alg with the given verify cache memory.
func benchManager(b *testing.B, alg string, cache int64) *tokenmanager.Manager {
	store, err := bolt.Open(filepath.Join(b.TempDir(), "tm.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	ks, _ := jose.NewKeySet(alg)
	codec, _ := jose.NewCodec(ks, jose.Options{Issuer: "https://tm.test", Leeway: time.Second})
	quiet := slog.New(slog.DiscardHandler) // log lines would break benchstat's input
	replica := tokenmanager.NewReplica(store, nil, quiet)
	replica.Load(context.Background())
	replica.Live(true)
	return tokenmanager.NewManager(tokenmanager.Config{Issuer: "https://tm.test", VerifyCacheMemory: cache},
		codec, store, replica, ks.RefreshKey, quiet)
}

// BenchmarkVerify is full verification (signature, claims, cancelled set)
// per algorithm, without the cache (every token new) and with it (a token
// presented again, the common case).
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	for _, alg := range jose.Algs {
		for _, cache := range []struct {
			name string
			size int64
		}{{"uncached", -1}, {"cached", 0}} {
			b.Run(alg+"/"+cache.name, func(b *testing.B) {
				m := benchManager(b, alg, cache.size)
				p, err := m.Issue(ctx, "alice", tokenmanager.SessionMeta{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.Verify(ctx, p.AccessToken); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkIssue is a sign-in's token work: a session stored (fsync) and
// a pair signed.
func BenchmarkIssue(b *testing.B) {
	m := benchManager(b, jose.DefaultAlg, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Issue(context.Background(), "alice", tokenmanager.SessionMeta{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCancelToken is one durable cancellation (fsync) on the embedded
// store, applied to the replica.
func BenchmarkCancelToken(b *testing.B) {
	m := benchManager(b, jose.DefaultAlg, 0)
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		c := &tokenmanager.Claims{Issuer: "https://tm.test", ID: time.Duration(i).String(), ExpiresAt: now.Add(time.Minute)}
		if err := m.CancelToken(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
}
