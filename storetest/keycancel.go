package storetest

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// testKeyCancelled stores a revoked key's entry (KindKey) and asks about
// tokens it signed, before and after the revocation, and tokens of other
// keys: the store's strict answer and the in-memory CancelledSet agree,
// and the entry comes back from Cancellations as it was stored (the feed
// and a replica's reload carry it).
func testKeyCancelled(t *testing.T, open Opener) {
	now := baseTime()
	revoked := cancellation(tokenmanager.KindKey, "kid-leaked", now, now.Add(time.Hour))
	set := tokenmanager.NewCancelledSet()
	set.Add(revoked)
	claims := func(kid string, iat time.Time) *tokenmanager.Claims {
		return &tokenmanager.Claims{Issuer: issuer, ID: "jti-" + kid, SessionID: "sess-1", Subject: "bob",
			KeyID: kid, IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute)}
	}
	cases := []struct {
		name   string
		claims *tokenmanager.Claims
		want   bool
	}{
		{"SignedBeforeRevocation", claims("kid-leaked", now.Add(-time.Minute)), true},
		{"SignedAfterRevocation", claims("kid-leaked", now.Add(time.Minute)), true},
		{"OtherKey", claims("kid-other", now.Add(-time.Minute)), false},
		{"NoKid", claims("", now.Add(-time.Minute)), false},
		{"JTIEqualsKid", &tokenmanager.Claims{Issuer: issuer, ID: "kid-leaked", Subject: "kid-leaked", KeyID: "kid-other",
			IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Minute)}, false},
	}
	s := open(t)
	mustCancel(t, s, revoked)
	sameCancellations(t, mustCancellations(t, s, now), revoked)
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
