package storetest

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

const issuer = "https://issuer.example"

// cancellation returns an entry of kind k for id, issued by issuer when it
// cancels a token.
func cancellation(k tokenmanager.Kind, id string, before, expires time.Time) tokenmanager.Cancellation {
	c := tokenmanager.Cancellation{Kind: k, ID: id, Before: before, ExpiresAt: expires}
	if k == tokenmanager.KindToken {
		c.Issuer = issuer
	}
	return c
}

func testCancellations(t *testing.T, open Opener) {
	now := baseTime()
	t.Run("CancelThenList", func(t *testing.T) {
		s := open(t)
		cs := []tokenmanager.Cancellation{
			cancellation(tokenmanager.KindToken, "jti-1", now, now.Add(5*time.Minute)),
			cancellation(tokenmanager.KindSession, "sess-1", now, now.Add(time.Hour)),
			cancellation(tokenmanager.KindSubject, "alice", now, now.Add(720*time.Hour)),
		}
		mustCancel(t, s, cs...)
		sameCancellations(t, mustCancellations(t, s, now), cs...)
	})
	t.Run("Merge", func(t *testing.T) { testMerge(t, open, now) })
	t.Run("TokenKeyIncludesIssuer", func(t *testing.T) {
		s := open(t)
		a := cancellation(tokenmanager.KindToken, "jti-1", now, now.Add(time.Hour))
		b := a
		b.Issuer = "https://other.example"
		mustCancel(t, s, a, b)
		sameCancellations(t, mustCancellations(t, s, now), a, b)
	})
	t.Run("OmitsExpired", func(t *testing.T) {
		s := open(t)
		live := cancellation(tokenmanager.KindToken, "live", now, now.Add(time.Millisecond))
		mustCancel(t, s,
			cancellation(tokenmanager.KindToken, "expired", now.Add(-2*time.Hour), now.Add(-time.Hour)),
			cancellation(tokenmanager.KindSession, "expires-now", now.Add(-time.Hour), now),
			live)
		sameCancellations(t, mustCancellations(t, s, now), live)
	})
	t.Run("IsCancelled", func(t *testing.T) { testIsCancelled(t, open, now) })
	t.Run("KeyCancelled", func(t *testing.T) { testKeyCancelled(t, open) })
	t.Run("Sweep", func(t *testing.T) { testSweep(t, open) })
	t.Run("ErrInvalid", func(t *testing.T) { testInvalid(t, open, now) })
	t.Run("Subject", func(t *testing.T) { testCancellationSubject(t, open) })
}

// testMerge cancels one key twice: the entry keeps the later cut-off and
// the later expiry, whichever call brought them.
func testMerge(t *testing.T, open Opener, now time.Time) {
	early, late := now, now.Add(time.Minute)
	soon, far := now.Add(time.Hour), now.Add(2*time.Hour)
	for _, tc := range []struct {
		name                 string
		before1, expires1    time.Time
		before2, expires2    time.Time
		wantBefore, wantExps time.Time
	}{
		{"SecondLaterBefore", early, far, late, soon, late, far},
		{"SecondLaterExpiry", late, soon, early, far, late, far},
		{"SecondLaterBoth", early, soon, late, far, late, far},
		{"SecondEarlierBoth", late, far, early, soon, late, far},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			first := cancellation(tokenmanager.KindSession, "sess-1", tc.before1, tc.expires1)
			second := cancellation(tokenmanager.KindSession, "sess-1", tc.before2, tc.expires2)
			want := cancellation(tokenmanager.KindSession, "sess-1", tc.wantBefore, tc.wantExps)
			sameValue(t, "first.Merge(second)", normCancellation(first.Merge(second)), normCancellation(want))
			mustCancel(t, s, first, second)
			sameCancellations(t, mustCancellations(t, s, now), want)
		})
	}
}

// testIsCancelled asks the store about tokens with a cancelled jti,
// session or subject, and checks each answer against the in-memory
// CancelledSet too, so the strict mode and the replica agree.
func testIsCancelled(t *testing.T, open Opener, now time.Time) {
	entries := []tokenmanager.Cancellation{
		cancellation(tokenmanager.KindToken, "jti-cancelled", now, now.Add(time.Hour)),
		cancellation(tokenmanager.KindSession, "sess-cancelled", now, now.Add(time.Hour)),
		cancellation(tokenmanager.KindSubject, "alice", now, now.Add(time.Hour)),
	}
	set := tokenmanager.NewCancelledSet()
	for _, c := range entries {
		set.Add(c)
	}
	claims := func(iss, jti, sid, sub string, iat time.Time) *tokenmanager.Claims {
		return &tokenmanager.Claims{Issuer: iss, ID: jti, SessionID: sid, Subject: sub,
			IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute)}
	}
	ms, other := time.Millisecond, "https://other.example"
	cases := []struct {
		name   string
		claims *tokenmanager.Claims
		want   bool
	}{
		{"TokenByIssuerAndJTI", claims(issuer, "jti-cancelled", "sess-2", "bob", now.Add(-time.Minute)), true},
		{"TokenIssuedAfterCutoff", claims(issuer, "jti-cancelled", "sess-2", "bob", now.Add(time.Minute)), true},
		{"TokenOtherIssuer", claims(other, "jti-cancelled", "sess-2", "bob", now.Add(-time.Minute)), false},
		{"TokenOtherJTI", claims(issuer, "jti-2", "sess-2", "bob", now.Add(-time.Minute)), false},
		{"SessionIssuedBeforeCutoff", claims(issuer, "jti-2", "sess-cancelled", "bob", now.Add(-ms)), true},
		{"SessionIssuedAtCutoff", claims(issuer, "jti-2", "sess-cancelled", "bob", now), false},
		{"SessionIssuedAfterCutoff", claims(issuer, "jti-2", "sess-cancelled", "bob", now.Add(ms)), false},
		{"SessionOther", claims(issuer, "jti-2", "sess-2", "bob", now.Add(-time.Hour)), false},
		{"SubjectIssuedBeforeCutoff", claims(issuer, "jti-2", "sess-2", "alice", now.Add(-ms)), true},
		{"SubjectIssuedAtCutoff", claims(issuer, "jti-2", "sess-2", "alice", now), false},
		{"SubjectIssuedAfterCutoff", claims(issuer, "jti-2", "sess-2", "alice", now.Add(ms)), false},
		{"SubjectOther", claims(issuer, "jti-2", "sess-2", "bob", now.Add(-time.Hour)), false},
		{"NoSessionID", claims(issuer, "jti-2", "", "bob", now.Add(-time.Hour)), false},
	}
	s := open(t)
	mustCancel(t, s, entries...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.IsCancelled(t.Context(), tc.claims)
			mustNil(t, err, "IsCancelled")
			if got != tc.want {
				t.Fatalf("IsCancelled(%+v) = %v, want %v", *tc.claims, got, tc.want)
			}
			if _, inSet := set.Check(tc.claims); inSet != got {
				t.Fatalf("IsCancelled = %v but CancelledSet.Check = %v: strict mode and replica disagree", got, inSet)
			}
		})
	}
}

// testSweep shows that expired entries leave the store, not only the
// listing: asked as of an instant when they were live, it no longer has
// them, so the cancelled set does not grow without bound. It waits in real
// time because a store may expire entries natively.
func testSweep(t *testing.T, open Opener) {
	s := open(t)
	now := baseTime()
	soon := now.Add(300 * time.Millisecond)
	short := []tokenmanager.Cancellation{
		cancellation(tokenmanager.KindToken, "jti-short", now, soon),
		cancellation(tokenmanager.KindSession, "sess-short", now, soon),
		cancellation(tokenmanager.KindSubject, "alice", now, soon),
	}
	long := cancellation(tokenmanager.KindToken, "jti-long", now, now.Add(time.Hour))
	mustCancel(t, s, append(short, long)...)
	sameCancellations(t, mustCancellations(t, s, now), append(short, long)...)
	time.Sleep(time.Until(soon) + 10*time.Millisecond)
	n, err := s.Sweep(t.Context(), time.Now())
	mustNil(t, err, "Sweep")
	if n != len(short) && n != 0 { // 0 is allowed for stores with native expiry
		t.Fatalf("Sweep removed %d entries, want %d", n, len(short))
	}
	eventually(t, 5*time.Second, "expired cancellations are still stored", func() bool {
		_, err := s.Sweep(t.Context(), time.Now())
		mustNil(t, err, "Sweep")
		return len(mustCancellations(t, s, now)) == 1
	})
	sameCancellations(t, mustCancellations(t, s, now), long)
}

func testInvalid(t *testing.T, open Opener, now time.Time) {
	s := open(t)
	valid := cancellation(tokenmanager.KindSession, "sess-1", now, now.Add(time.Hour))
	for _, tc := range []struct {
		name   string
		change func(*tokenmanager.Cancellation)
	}{
		{"UnknownKind", func(c *tokenmanager.Cancellation) { c.Kind = 'x' }},
		{"NoKind", func(c *tokenmanager.Cancellation) { c.Kind = 0 }},
		{"NoID", func(c *tokenmanager.Cancellation) { c.ID = "" }},
		{"NoExpiry", func(c *tokenmanager.Cancellation) { c.ExpiresAt = time.Time{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.change(&c)
			wantCode(t, s.Cancel(t.Context(), c), tokenmanager.EInvalid)
			if got := mustCancellations(t, s, now.Add(-time.Hour)); len(got) != 0 {
				t.Fatalf("a refused cancellation was stored: %v", got)
			}
		})
	}
}
