package tokenmanager

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestBloomNoFalseNegatives: every key added is reported, at every size,
// including keys that differ only in the bits that pick the block or the
// bits inside it.
func TestBloomNoFalseNegatives(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys func(i int) uint64
	}{
		{"Random", func(int) uint64 { return rand.Uint64() }},
		{"LowBitsOnly", func(i int) uint64 { return uint64(i) }},
		{"HighBitsOnly", func(i int) uint64 { return uint64(i) << 32 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newBloom(50_000)
			keys := make([]uint64, 50_000)
			for i := range keys {
				keys[i] = tc.keys(i)
				f.add(keys[i])
			}
			for _, k := range keys {
				if !f.mayContain(k) {
					t.Fatalf("key %#x added but not reported", k)
				}
			}
		})
	}
}

// TestBloomFalsePositiveRate: at its capacity, the filter says "maybe" for
// under 2% of keys never added (about 0.5% by design), so the maps behind
// it are rarely read.
func TestBloomFalsePositiveRate(t *testing.T) {
	f := newBloom(100_000)
	for range f.capacity() {
		f.add(rand.Uint64())
	}
	fp := 0
	for range 100_000 {
		if f.mayContain(rand.Uint64()) {
			fp++
		}
	}
	if fp > 2000 {
		t.Fatalf("%d false positives in 100000", fp)
	}
}

// TestCancelledSetFindsEveryEntry adds entries through several filter
// rebuilds and a sweep: every live entry must still be found by Check.
func TestCancelledSetFindsEveryEntry(t *testing.T) {
	kinds := []Kind{KindToken, KindSession, KindSubject}
	s := NewCancelledSet()
	const n = 30_000
	for i := range n {
		exp := t0.Add(time.Hour)
		if i%3 == 0 {
			exp = t0.Add(time.Minute)
		}
		s.Add(Cancellation{Kind: kinds[i%3], Issuer: "iss", ID: strconv.Itoa(i), Before: t0.Add(time.Second), ExpiresAt: exp})
	}
	s.Sweep(t0.Add(30 * time.Minute))
	for i := range n {
		if i%3 == 0 {
			continue
		}
		id := strconv.Itoa(i)
		c := &Claims{Issuer: "iss", ID: "x", SessionID: "x", Subject: "x", IssuedAt: t0}
		switch kinds[i%3] {
		case KindToken:
			c.ID = id
		case KindSession:
			c.SessionID = id
		case KindSubject:
			c.Subject = id
		}
		if _, ok := s.Check(c); !ok {
			t.Fatalf("entry %d (%s) not found", i, kinds[i%3])
		}
	}
}
