package tokenmanager

import (
	"strconv"
	"testing"
	"time"
)

// get is lookup and count by the token's text, as the tests call it.
func (c *verifiedCache) get(raw string, now time.Time, leeway time.Duration) (*Claims, bool) {
	if c == nil {
		return nil, false
	}
	k := c.key(raw)
	cl, ok := c.lookup(k, now, leeway)
	c.count(k, ok)
	return cl, ok
}

// put is putKey by the token's text, as the tests call it.
func (c *verifiedCache) put(raw string, cl *Claims) {
	if c != nil {
		c.putKey(c.key(raw), cl)
	}
}

func cachedClaims(i int) *Claims {
	s := strconv.Itoa(i)
	return &Claims{Issuer: "https://tm.test", Subject: "user-" + s, ID: "jti-" + s, SessionID: "sid-" + s,
		Audience: []string{"api"}, ExpiresAt: t0.Add(time.Hour), IssuedAt: t0}
}

// TestVerifyCacheStaysWithinMemory fills caches of several budgets with
// ten times what they hold: the estimated bytes never pass the budget,
// and the number kept follows the budget, not a fixed count.
func TestVerifyCacheStaysWithinMemory(t *testing.T) {
	for _, budget := range []int64{64 << 10, 1 << 20} {
		t.Run(strconv.FormatInt(budget, 10), func(t *testing.T) {
			c := newVerifiedCache(budget)
			per := entryCost(cachedClaims(0))
			for i := range int(10 * budget / per) {
				c.put("token-"+strconv.Itoa(i), cachedClaims(i))
			}
			s := c.stats()
			if s.Bytes > budget || s.MaxBytes != budget {
				t.Fatalf("%d bytes cached for a budget of %d (%+v)", s.Bytes, budget, s)
			}
			if want := int(budget / per); s.Entries < want*3/4 || s.Entries > want {
				t.Fatalf("%d entries kept, want about %d", s.Entries, want)
			}
		})
	}
}

// TestVerifyCacheCountsHitsAndMisses: a miss, then hits, then a miss for
// an expired entry, and ForgetVerified's flush empties the cache.
func TestVerifyCacheCountsHitsAndMisses(t *testing.T) {
	c := newVerifiedCache(1 << 20)
	if _, ok := c.get("a", t0, 0); ok {
		t.Fatal("hit in an empty cache")
	}
	c.put("a", cachedClaims(1))
	c.put("a", cachedClaims(1)) // twice: charged once
	for range 3 {
		if _, ok := c.get("a", t0, 0); !ok {
			t.Fatal("miss after put")
		}
	}
	if _, ok := c.get("a", t0.Add(2*time.Hour), 0); ok {
		t.Fatal("expired entry returned")
	}
	s := c.stats()
	if s.Hits != 3 || s.Misses != 2 || s.Entries != 1 || s.Bytes != entryCost(cachedClaims(1)) {
		t.Fatalf("stats %+v", s)
	}
	c.flush()
	if s := c.stats(); s.Entries != 0 || s.Bytes != 0 {
		t.Fatalf("after flush: %+v", s)
	}
	if _, ok := c.get("a", t0, 0); ok {
		t.Fatal("hit after flush")
	}
}

// TestVerifyCacheOff: a negative budget turns the cache off.
func TestVerifyCacheOff(t *testing.T) {
	c := newVerifiedCache(-1)
	c.put("a", cachedClaims(1))
	if _, ok := c.get("a", t0, 0); ok || c.stats() != (VerifyCacheStats{}) {
		t.Fatal("a disabled cache answered")
	}
}
