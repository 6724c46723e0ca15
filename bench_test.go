package tokenmanager

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// fillSet returns a set with n cancellations as a replica holds them,
// each with its subject: 7 in 10 tokens (signed-out access tokens), 2
// sessions and 1 subject, two entries a subject ("c-user-…", none of them
// a subject of claimsPool).
func fillSet(n int) *CancelledSet {
	s := NewCancelledSet()
	exp := time.Now().Add(time.Hour)
	for i := range n {
		id, sub := strconv.Itoa(i), "c-user-"+strconv.Itoa(i/2)
		c := Cancellation{Kind: KindToken, Issuer: "https://tm.test", ID: id, Subject: sub, ExpiresAt: exp}
		switch i % 10 {
		case 0, 5:
			c.Kind, c.Issuer = KindSession, ""
		case 9:
			c = Cancellation{Kind: KindSubject, ID: "c-subject-" + id, Subject: "c-subject-" + id, ExpiresAt: exp}
		}
		s.Add(c)
	}
	return s
}

// BenchmarkCheck is the per-request cost of the cancelled-set check: three
// lookups (jti, session, subject) for a token that is not cancelled, the
// common case.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{0, 10_000, 1_000_000, 10_000_000} {
		if testing.Short() && n > 1_000_000 {
			continue
		}
		s := fillSet(n)
		c := &Claims{Issuer: "https://tm.test", Subject: "alice", ID: "not-cancelled", SessionID: "sid", IssuedAt: time.Now()}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := s.Check(c); ok {
					b.Fatal("cancelled")
				}
			}
		})
	}
}

// BenchmarkCheckParallel is the check from every core at once.
func BenchmarkCheckParallel(b *testing.B) {
	s := fillSet(1_000_000)
	b.ReportAllocs()
	b.ResetTimer() // not the fill
	b.RunParallel(func(pb *testing.PB) {
		c := &Claims{Issuer: "https://tm.test", Subject: "alice", ID: "not-cancelled", SessionID: "sid", IssuedAt: time.Now()}
		for pb.Next() {
			s.Check(c)
		}
	})
}

// BenchmarkSetMemory reports the heap bytes per cancelled entry.
func BenchmarkSetMemory(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		if testing.Short() && n > 1_000_000 {
			continue
		}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			for b.Loop() {
				before := heap()
				s := fillSet(n)
				after := heap()
				b.ReportMetric(float64(after-before)/float64(n), "bytes/entry")
				runtime.KeepAlive(s)
			}
		})
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
