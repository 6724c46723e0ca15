package tokenmanager

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestBloomNoFalseNegatives: every key added is reported, at every size,
// placed or loose, including keys that differ only in the bits that pick
// the place or the bits inside the block.
func TestBloomNoFalseNegatives(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keys  func(i int) uint64
		place func(i int, h uint64) uint32
	}{
		{"Random", func(int) uint64 { return rand.Uint64() }, func(int, uint64) uint32 { return placeOf(rand.Uint64()) }},
		{"LowBitsOnly", func(i int) uint64 { return uint64(i) }, func(i int, _ uint64) uint32 { return uint32(i + 2) }},
		{"HighBitsOnly", func(i int) uint64 { return uint64(i) << 32 }, func(i int, _ uint64) uint32 { return uint32(i+1) << 12 }},
		{"OnePlace", func(int) uint64 { return rand.Uint64() }, func(int, uint64) uint32 { return 7 }},
		{"Loose", func(int) uint64 { return rand.Uint64() }, func(int, uint64) uint32 { return 0 }},
		{"LooseLowBitsOnly", func(i int) uint64 { return uint64(i) }, func(int, uint64) uint32 { return 0 }},
		{"LooseHighBitsOnly", func(i int) uint64 { return uint64(i) << 32 }, func(int, uint64) uint32 { return 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newBloom(50_000, 50_000)
			keys := make([]uint64, 50_000)
			places := make([]uint32, len(keys))
			for i := range keys {
				keys[i] = tc.keys(i)
				places[i] = tc.place(i, keys[i])
				f.add(keys[i], places[i])
			}
			for i, k := range keys {
				if !f.mayContain(k, places[i]) {
					t.Fatalf("key %#x at place %#x added but not reported", k, places[i])
				}
			}
		})
	}
}

// TestBloomFalsePositiveRate: at its capacity, with every entry at its own
// place (distinct subjects), the summary passes under 50% of places never
// added (about 39% by design: two bits an entry), and a block says "maybe"
// for under 2% of keys never added at a place that was (about 0.5% by
// design), so the maps behind it are rarely read.
func TestBloomFalsePositiveRate(t *testing.T) {
	f := newBloom(100_000, 0)
	places := make([]uint32, f.capacity())
	for i := range places {
		places[i] = placeOf(rand.Uint64())
		f.add(rand.Uint64(), places[i])
	}
	summary, fp := 0, 0
	for i := range 100_000 {
		if f.placed(placeOf(rand.Uint64())) {
			summary++
		}
		if f.mayContain(rand.Uint64(), places[i%len(places)]) {
			fp++
		}
	}
	if summary > 50_000 {
		t.Errorf("summary passes %d places in 100000", summary)
	}
	if fp > 2000 {
		t.Errorf("%d false positives in 100000", fp)
	}
	l := newBloom(0, 100_000)
	for range l.looseCapacity() {
		l.add(rand.Uint64(), 0)
	}
	fp = 0
	for range 100_000 {
		if l.mayContain(rand.Uint64(), 0) {
			fp++
		}
	}
	if fp > 2000 {
		t.Errorf("%d false positives in 100000 loose entries", fp)
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
