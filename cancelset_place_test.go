package tokenmanager

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// placeCase is one entry of the placement tests and the claims of a token
// it must refuse.
type placeCase struct {
	c      Cancellation
	claims Claims
}

// placeCases returns n entries of every kind, placed (with a subject) and
// loose (without), each with the claims of a token it refuses: the token's
// other keys are fresh, so only this entry can refuse it.
func placeCases(n int, exp func(i int) time.Time) []placeCase {
	out := make([]placeCase, 0, n)
	for i := range n {
		id, sub := strconv.Itoa(i), "sub-"+strconv.Itoa(i%(n/4+1))
		c := Cancellation{Issuer: "iss", ID: id, Before: t0.Add(time.Second), ExpiresAt: exp(i)}
		cl := Claims{Issuer: "iss", ID: "jti-" + id, SessionID: "sid-" + id, Subject: sub, IssuedAt: t0}
		switch i % 5 {
		case 0: // a placed token
			c.Kind, c.Subject, cl.ID = KindToken, sub, id
		case 1: // a loose token
			c.Kind, cl.ID = KindToken, id
		case 2: // a placed session
			c.Kind, c.Subject, cl.SessionID = KindSession, sub, id
		case 3: // a loose session
			c.Kind, cl.SessionID = KindSession, id
		case 4: // a subject
			c.Kind, cl.Subject = KindSubject, "subject-"+id
			c.ID = cl.Subject
		}
		out = append(out, placeCase{c, cl})
	}
	return out
}

// TestCancelledSetFindsPlacedAndLooseEntries adds entries of every kind,
// placed and loose, through several filter rebuilds and two sweeps: every
// live entry must still refuse its token, and the swept ones no longer.
func TestCancelledSetFindsPlacedAndLooseEntries(t *testing.T) {
	const n = 40_000
	cases := placeCases(n, func(i int) time.Time {
		if i%7 == 0 {
			return t0.Add(time.Minute)
		}
		return t0.Add(time.Hour)
	})
	s := NewCancelledSet()
	for i, pc := range cases {
		s.Add(pc.c)
		if i == n/2 {
			s.Sweep(t0) // nothing expired: a rebuild with the same entries
		}
	}
	s.Sweep(t0.Add(30 * time.Minute))
	for i, pc := range cases {
		k, ok := s.Check(&pc.claims)
		switch {
		case i%7 == 0 && ok:
			t.Fatalf("swept entry %d (%s) still refuses its token", i, pc.c.Kind)
		case i%7 != 0 && (!ok || k != pc.c.Kind):
			t.Fatalf("entry %d (%s, subject %q) not found: %v %v", i, pc.c.Kind, pc.c.Subject, k, ok)
		}
	}
	if want := looseLive(cases, func(i int) bool { return i%7 != 0 }); int64(s.looseLen()) != want {
		t.Fatalf("loose count %d, want %d", int64(s.looseLen()), want)
	}
}

// looseLive counts the loose entries of cases that live.
func looseLive(cases []placeCase, live func(int) bool) int64 {
	n := int64(0)
	for i, pc := range cases {
		if live(i) && pc.c.Kind != KindSubject && pc.c.Subject == "" {
			n++
		}
	}
	return n
}

// TestCheckProbesLooseEntries fails if Check skipped the loose entries: a
// token cancelled by jti alone, and a session by id alone, with placed
// entries around them, must refuse tokens whose subject has no entry at
// all. Once they are swept, the placed ones alone are still found.
func TestCheckProbesLooseEntries(t *testing.T) {
	s := NewCancelledSet()
	for i := range 1000 {
		s.Add(Cancellation{Kind: KindToken, Issuer: "iss", ID: "placed-" + strconv.Itoa(i), Subject: "u" + strconv.Itoa(i),
			Before: t0, ExpiresAt: t0.Add(time.Hour)})
	}
	s.Add(Cancellation{Kind: KindToken, Issuer: "iss", ID: "loose-jti", Before: t0, ExpiresAt: t0.Add(time.Minute)})
	s.Add(Cancellation{Kind: KindSession, ID: "loose-sid", Before: t0.Add(time.Second), ExpiresAt: t0.Add(time.Minute)})
	if c := s.filter.Load().looseCapacity(); c > 1024 {
		t.Fatalf("two loose entries among 1000 got a loose filter for %d: it should stay in the cache", c)
	}
	for _, tc := range []struct {
		name   string
		claims Claims
		want   Kind
	}{
		{"Token", Claims{Issuer: "iss", ID: "loose-jti", Subject: "nobody", IssuedAt: t0}, KindToken},
		{"Session", Claims{Issuer: "iss", ID: "x", SessionID: "loose-sid", Subject: "nobody", IssuedAt: t0}, KindSession},
		{"TokenWithPlacedSubject", Claims{Issuer: "iss", ID: "loose-jti", Subject: "u1", IssuedAt: t0}, KindToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k, ok := s.Check(&tc.claims); !ok || k != tc.want {
				t.Fatalf("Check = %v %v, want %v", k, ok, tc.want)
			}
		})
	}
	if s.Sweep(t0.Add(2*time.Minute)) != 2 || int64(s.looseLen()) != 0 {
		t.Fatalf("after the sweep: %d entries, %d loose", s.Len(), int64(s.looseLen()))
	}
	for i := range 1000 {
		c := Claims{Issuer: "iss", ID: "placed-" + strconv.Itoa(i), Subject: "u" + strconv.Itoa(i), IssuedAt: t0}
		if _, ok := s.Check(&c); !ok {
			t.Fatalf("placed entry %d not found once no entry is loose", i)
		}
	}
}

// TestLooseEntryGetsPlaced: an entry loaded without its subject (old data)
// and heard again with it is placed, and no longer counted loose; two
// disagreeing subjects make it loose, found whatever the token's subject.
func TestLooseEntryGetsPlaced(t *testing.T) {
	s := NewCancelledSet()
	c := Cancellation{Kind: KindSession, ID: "sid", Before: t0.Add(time.Second), ExpiresAt: t0.Add(time.Hour)}
	s.Add(c)
	if int64(s.looseLen()) != 1 {
		t.Fatalf("loose %d after a loose entry", int64(s.looseLen()))
	}
	c.Subject = "alice"
	if s.Merge(c) {
		t.Fatal("learning the subject reported as a change of the entry")
	}
	if int64(s.looseLen()) != 0 {
		t.Fatalf("loose %d after the entry got its subject", int64(s.looseLen()))
	}
	s.Sweep(t0) // rebuild: only the placed bits remain
	if _, ok := s.Check(&Claims{SessionID: "sid", Subject: "alice", IssuedAt: t0}); !ok {
		t.Fatal("placed session not found")
	}
	c.Subject = "bob"
	s.Add(c)
	s.Sweep(t0)
	if int64(s.looseLen()) != 1 {
		t.Fatalf("loose %d after two subjects disagreed", int64(s.looseLen()))
	}
	if _, ok := s.Check(&Claims{SessionID: "sid", Subject: "carol", IssuedAt: t0}); !ok {
		t.Fatal("entry with disagreeing subjects not found")
	}
}

// TestSubjectWithThousandsOfEntries: a subject whose entries saturate its
// filter block still gets the right answer for each of its tokens,
// cancelled or not (through the maps), and other subjects are unaffected.
func TestSubjectWithThousandsOfEntries(t *testing.T) {
	s := NewCancelledSet()
	for i := range 5000 {
		id := strconv.Itoa(i)
		s.Add(Cancellation{Kind: KindToken, Issuer: "iss", ID: "t" + id, Subject: "busy", Before: t0, ExpiresAt: t0.Add(time.Hour)})
		s.Add(Cancellation{Kind: KindSession, ID: "s" + id, Subject: "busy", Before: t0.Add(time.Second), ExpiresAt: t0.Add(time.Hour)})
		s.Add(Cancellation{Kind: KindToken, Issuer: "iss", ID: "o" + id, Subject: "other" + id, Before: t0, ExpiresAt: t0.Add(time.Hour)})
	}
	for i := range 5000 {
		id := strconv.Itoa(i)
		for _, tc := range []struct {
			c    Claims
			want bool
		}{
			{Claims{Issuer: "iss", ID: "t" + id, Subject: "busy", IssuedAt: t0}, true},
			{Claims{Issuer: "iss", ID: "x", SessionID: "s" + id, Subject: "busy", IssuedAt: t0}, true},
			{Claims{Issuer: "iss", ID: "live" + id, SessionID: "live" + id, Subject: "busy", IssuedAt: t0}, false},
			{Claims{Issuer: "iss", ID: "o" + id, Subject: "other" + id, IssuedAt: t0}, true},
		} {
			if _, ok := s.Check(&tc.c); ok != tc.want {
				t.Fatalf("token %+v: cancelled %v, want %v", tc.c, ok, tc.want)
			}
		}
	}
}

// TestCheckWhileAdding: entries added while other goroutines check and the
// filter is rebuilt are found by the goroutine that added them as soon as
// Add returns (run with -race).
func TestCheckWhileAdding(t *testing.T) {
	s := NewCancelledSet()
	cases := placeCases(20_000, func(int) time.Time { return t0.Add(time.Hour) })
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(cases); i += 4 {
				s.Add(cases[i].c)
				if _, ok := s.Check(&cases[i].claims); !ok {
					t.Errorf("entry %d (%s) not found after Add", i, cases[i].c.Kind)
					return
				}
				if i%5000 == 0 {
					s.Sweep(t0)
				}
			}
		}()
	}
	wg.Wait()
}
