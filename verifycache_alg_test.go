package tokenmanager_test

import (
	"context"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// TestVerifyCacheKeepsOnlyCostlySignatures: tokens signed with an HMAC key
// are verified again each time and never cached (their check costs what a
// cache lookup does); tokens with a real signature are cached after their
// first verification.
func TestVerifyCacheKeepsOnlyCostlySignatures(t *testing.T) {
	for _, c := range []struct {
		alg     string
		entries int
		hits    uint64
	}{
		{"HS256", 0, 0},
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
