package tokenmanager

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func claimsAt(iat time.Time) *Claims {
	return &Claims{Issuer: "iss", Subject: "alice", ID: "jti-1", SessionID: "sid-1", IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute)}
}

func TestCancelledSetCheck(t *testing.T) {
	cut := t0.Add(time.Millisecond)
	later := t0.Add(time.Hour)
	cases := []struct {
		name   string
		add    Cancellation
		iat    time.Time
		want   bool
		reason Kind
	}{
		{"Empty", Cancellation{}, t0, false, 0},
		{"TokenByJTI", Cancellation{Kind: KindToken, Issuer: "iss", ID: "jti-1", ExpiresAt: later}, t0, true, KindToken},
		{"TokenOtherIssuer", Cancellation{Kind: KindToken, Issuer: "other", ID: "jti-1", ExpiresAt: later}, t0, false, 0},
		{"TokenOtherJTI", Cancellation{Kind: KindToken, Issuer: "iss", ID: "jti-2", ExpiresAt: later}, t0, false, 0},
		{"SessionBeforeCutoff", Cancellation{Kind: KindSession, ID: "sid-1", Before: cut, ExpiresAt: later}, t0, true, KindSession},
		{"OtherSession", Cancellation{Kind: KindSession, ID: "sid-2", Before: cut, ExpiresAt: later}, t0, false, 0},
		{"SubjectBeforeCutoff", Cancellation{Kind: KindSubject, ID: "alice", Before: cut, ExpiresAt: later}, t0, true, KindSubject},
		{"SubjectAtCutoff", Cancellation{Kind: KindSubject, ID: "alice", Before: cut, ExpiresAt: later}, cut, false, 0},
		{"SubjectSameSecondAfterCutoff", Cancellation{Kind: KindSubject, ID: "alice", Before: cut, ExpiresAt: later}, t0.Add(2 * time.Millisecond), false, 0},
		{"OtherSubject", Cancellation{Kind: KindSubject, ID: "bob", Before: cut, ExpiresAt: later}, t0, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewCancelledSet()
			if tc.add.ID != "" {
				s.Add(tc.add)
			}
			kind, got := s.Check(claimsAt(tc.iat))
			if got != tc.want || kind != tc.reason {
				t.Fatalf("Check = %v, %v; want %v, %v", kind, got, tc.reason, tc.want)
			}
		})
	}
}

func TestCancelledSetMergeNeverShortens(t *testing.T) {
	s := NewCancelledSet()
	s.Add(Cancellation{Kind: KindSubject, ID: "alice", Before: t0.Add(time.Second), ExpiresAt: t0.Add(time.Hour)})
	s.Add(Cancellation{Kind: KindSubject, ID: "alice", Before: t0, ExpiresAt: t0.Add(time.Minute)})
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want 1", s.Len())
	}
	if _, ok := s.Check(claimsAt(t0.Add(500 * time.Millisecond))); !ok {
		t.Fatal("an earlier cut-off replaced a later one")
	}
	if n := s.Sweep(t0.Add(30 * time.Minute)); n != 0 {
		t.Fatalf("swept %d entries before the later expiry", n)
	}
}

func TestCancelledSetSweep(t *testing.T) {
	s := NewCancelledSet()
	for i := range 1000 {
		s.Add(Cancellation{Kind: KindToken, ID: fmt.Sprint(i), ExpiresAt: t0.Add(time.Duration(i) * time.Second)})
	}
	if n := s.Sweep(t0.Add(500 * time.Second)); n != 501 {
		t.Fatalf("swept %d, want 501 (0..500 expired)", n)
	}
	if s.Len() != 499 {
		t.Fatalf("Len = %d, want 499", s.Len())
	}
	if _, ok := s.Check(&Claims{ID: "999"}); !ok {
		t.Fatal("a live entry was swept")
	}
	if _, ok := s.Check(&Claims{ID: "10"}); ok {
		t.Fatal("an expired entry survived the sweep")
	}
}

func TestCancelledSetConcurrent(t *testing.T) {
	s := NewCancelledSet()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				id := fmt.Sprintf("%d-%d", w, i)
				s.Add(Cancellation{Kind: KindToken, ID: id, ExpiresAt: t0.Add(time.Hour)})
				if _, ok := s.Check(&Claims{ID: id}); !ok {
					t.Errorf("%s not cancelled right after Add", id)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			s.Sweep(t0)
		}
	})
	wg.Wait()
	if s.Len() != 8000 {
		t.Fatalf("Len = %d, want 8000", s.Len())
	}
}

func TestCheckAllocatesNothing(t *testing.T) {
	s := NewCancelledSet()
	s.Add(Cancellation{Kind: KindSubject, ID: "bob", Before: t0, ExpiresAt: t0.Add(time.Hour)})
	c := claimsAt(t0)
	if n := testing.AllocsPerRun(1000, func() { s.Check(c) }); n != 0 {
		t.Fatalf("Check allocates %.1f times per call", n)
	}
}

func TestIssuerIgnoredForSessionAndSubject(t *testing.T) {
	s := NewCancelledSet()
	s.Add(Cancellation{Kind: KindSubject, Issuer: "iss", ID: "alice", Before: t0.Add(time.Second), ExpiresAt: t0.Add(time.Hour)})
	if kind, ok := s.Check(claimsAt(t0)); !ok || kind != KindSubject {
		t.Fatalf("a subject cancellation with an issuer is not matched: %v %v", kind, ok)
	}
}
