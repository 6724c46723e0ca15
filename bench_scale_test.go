package tokenmanager

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"testing"
	"time"
)

// claimsPool returns n distinct claims (jti, session and subject all
// different), none of them cancelled, allocated in one slice.
func claimsPool(n int) []Claims {
	pool := make([]Claims, n)
	now := time.Now()
	for i := range pool {
		s := strconv.Itoa(i)
		pool[i] = Claims{Issuer: "https://tm.test", Subject: "user-" + s, ID: "live-" + s,
			SessionID: "sid-" + s, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	return pool
}

// checkBatch is how many checks BenchmarkCheckAtScale times together: the
// median over batches ignores those a busy machine preempted, and the
// clock is read once per batch.
const checkBatch = 64

// BenchmarkCheckAtScale is the check as real traffic makes it: a
// different token on every lookup (claims drawn in turn from a pool of
// 10^6), against a set of 10^6 or 10^7 entries (fillSet: each with its
// subject, none of the pool's), so the filter's cache lines are not warm.
// BenchmarkCheck asks about one hot token. The "subjects=10%" cases add,
// for one subject of the pool in ten, a cancellation of another of its
// tokens, so one check in ten passes the filter's summary and reads the
// subject's block; the "loose" cases then add one entry without a
// subject (as stored by an older version), which makes every check probe
// its jti's and session's own blocks too. The pool is walked in order, so the claims themselves
// come from the prefetcher as a request's just-decoded claims come from
// the CPU cache: walked in a random order, their own cache misses add
// about 300 ns that are not the set's. Each op is a batch of checkBatch
// checks; ns/check is the mean, median-ns/check the median over batches.
//
//	go test -run '^$' -bench CheckAtScale -count 6 .
func BenchmarkCheckAtScale(b *testing.B) {
	pool := claimsPool(1_000_000)
	for _, n := range []int{1_000_000, 10_000_000} {
		if testing.Short() && n > 1_000_000 {
			continue
		}
		s := fillSet(n)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) { benchCheckPool(b, s, pool) })
		exp := time.Now().Add(time.Hour)
		for i := 0; i < len(pool); i += 10 {
			s.Add(Cancellation{Kind: KindToken, Issuer: pool[i].Issuer, ID: "other-" + pool[i].ID,
				Subject: pool[i].Subject, ExpiresAt: exp})
		}
		b.Run(fmt.Sprintf("entries=%d/subjects=10%%", n), func(b *testing.B) { benchCheckPool(b, s, pool) })
		s.Add(Cancellation{Kind: KindToken, Issuer: "https://tm.test", ID: "old", ExpiresAt: exp})
		b.Run(fmt.Sprintf("entries=%d/subjects=10%%/loose", n), func(b *testing.B) { benchCheckPool(b, s, pool) })
	}
}

// benchCheckPool checks the pool's claims in turn against s, in batches.
func benchCheckPool(b *testing.B, s *CancelledSet, pool []Claims) {
	b.ReportAllocs()
	i := 0
	var batches []time.Duration
	for b.Loop() {
		start := time.Now()
		for range checkBatch {
			if _, ok := s.Check(&pool[i]); ok {
				b.Fatal("cancelled")
			}
			if i++; i == len(pool) {
				i = 0
			}
		}
		batches = append(batches, time.Since(start))
	}
	slices.Sort(batches)
	b.ReportMetric(float64(batches[len(batches)/2].Nanoseconds())/checkBatch, "median-ns/check")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*checkBatch), "ns/check")
}

// BenchmarkMemoryLatency is the floor of BenchmarkCheckAtScale measured
// the same way: one dependent read at a random place of a 32 MiB array
// (the size of the filter at 10^7 entries), chasing a random cycle, so
// each read waits for the one before, as a check waits for its hashes
// and its filter block before it can answer.
//
//	go test -run '^$' -bench 'CheckAtScale|MemoryLatency' -count 6 .
func BenchmarkMemoryLatency(b *testing.B) {
	next := make([]uint32, 32<<20/4)
	perm := rand.Perm(len(next))
	for i := range perm {
		next[perm[i]] = uint32(perm[(i+1)%len(perm)])
	}
	var batches []time.Duration
	p := uint32(0)
	for b.Loop() {
		start := time.Now()
		for range checkBatch {
			p = next[p]
		}
		batches = append(batches, time.Since(start))
	}
	slices.Sort(batches)
	b.ReportMetric(float64(batches[len(batches)/2].Nanoseconds())/checkBatch, "median-ns/read")
	sink = p
}

var sink uint32
