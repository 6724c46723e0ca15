package tokenmanager

import (
	"fmt"
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

// BenchmarkCheckAtScale is the check as real traffic makes it: a
// different token on every lookup (claims drawn in turn from a pool of
// 10^6), against a set of 10^6 or 10^7 entries, so the filter's cache
// lines are not warm. BenchmarkCheck asks about one hot token. The pool
// is walked in order, so the claims themselves come from the prefetcher
// as a request's just-decoded claims come from the CPU cache: walked in a
// random order, their own cache misses add about 300 ns that are not the
// set's.
//
//	go test -run '^$' -bench CheckAtScale -count 6 .
func BenchmarkCheckAtScale(b *testing.B) {
	pool := claimsPool(1_000_000)
	for _, n := range []int{1_000_000, 10_000_000} {
		if testing.Short() && n > 1_000_000 {
			continue
		}
		s := fillSet(n)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := s.Check(&pool[i]); ok {
					b.Fatal("cancelled")
				}
				if i++; i == len(pool) {
					i = 0
				}
			}
		})
	}
}
