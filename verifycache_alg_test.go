package tokenmanager_test

import (
	"context"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// TestVerifyCacheKeepsOnlyCostlySignatures: a token with a real signature
// is cached after its first verification; an HMAC token only after its
// second (the doorkeeper of the small cache), so three verifications are
// two misses and one hit.
func TestVerifyCacheKeepsOnlyCostlySignatures(t *testing.T) {
	for _, c := range []struct {
		alg     string
		entries int
		hits    uint64
	}{
		{"HS256", 1, 1},
		{"EdDSA", 1, 2},
		{"ES256", 1, 2},
	} {
		t.Run(c.alg, func(t *testing.T) {
			m := newManagerAlg(t, tokenmanager.CheckReplica, 0, false, c.alg)
			p := mustIssue(t, m, "alice")
			for range 3 {
				if _, err := m.Verify(context.Background(), p.AccessToken); err != nil {
					t.Fatal(err)
				}
			}
			if s := m.VerifyCacheStats(); s.Entries != c.entries || s.Hits != c.hits {
				t.Fatalf("cache %+v, want %d entries and %d hits", s, c.entries, c.hits)
			}
		})
	}
}

// TestVerifyCacheSkipsHMACTokensSeenOnce: 200 distinct HMAC tokens, each
// verified once, leave (next to) nothing in the cache; a token with a
// signature is cached at once.
func TestVerifyCacheSkipsHMACTokensSeenOnce(t *testing.T) {
	m := newManagerAlg(t, tokenmanager.CheckReplica, 0, false, "HS256")
	for range 200 {
		p := mustIssue(t, m, "alice")
		if _, err := m.Verify(context.Background(), p.AccessToken); err != nil {
			t.Fatal(err)
		}
	}
	// A false "seen before" of the doorkeeper (a bit another token set)
	// lets a token in: about 0.3 of 200 on average.
	if s := m.VerifyCacheStats(); s.Entries > 5 {
		t.Fatalf("%d of 200 HMAC tokens seen once were cached", s.Entries)
	}
}
