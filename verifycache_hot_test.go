package tokenmanager

import (
	"testing"
	"time"
)

// TestTokenCachesPlaceByCost: a costly token goes to the main cache at
// once; a cheap one to the small cache, on its second put; both are
// found by get, and flush empties both.
func TestTokenCachesPlaceByCost(t *testing.T) {
	c := newTokenCaches(1 << 20)
	c.put(c.key("costly"), cachedClaims(1), false)
	c.put(c.key("cheap"), cachedClaims(2), true)
	if c.main.entries.Load() != 1 || c.hot.entries.Load() != 0 {
		t.Fatalf("after one put each: main %d, hot %d", c.main.entries.Load(), c.hot.entries.Load())
	}
	c.put(c.key("cheap"), cachedClaims(2), true)
	if c.hot.entries.Load() != 1 || c.main.entries.Load() != 1 {
		t.Fatalf("a cheap token seen twice: hot %d, main %d", c.hot.entries.Load(), c.main.entries.Load())
	}
	for _, raw := range []string{"costly", "cheap"} {
		if _, ok := c.get(c.key(raw), t0, 0); !ok {
			t.Fatalf("%s not found", raw)
		}
	}
	if s := c.stats(); s.Hits != 2 || s.Misses != 0 || s.Entries != 2 || s.MaxBytes != 1<<20 {
		t.Fatalf("stats %+v", s)
	}
	c.flush()
	if _, ok := c.get(c.key("cheap"), t0, 0); ok || c.stats().Entries != 0 {
		t.Fatal("found after flush")
	}
}

// TestDoorkeeper: a key is new, then seen; the set is cleared after
// doorkeeperReset new keys.
func TestDoorkeeper(t *testing.T) {
	var d doorkeeper
	if d.seenBefore(42) || !d.seenBefore(42) {
		t.Fatal("42: want new, then seen")
	}
	for k := uint64(43); d.marks.Load()%doorkeeperReset != 0; k++ {
		if d.seenBefore(k) { // keys under 65,536 have bits of their own
			t.Fatalf("%d seen before it was marked", k)
		}
	}
	if d.seenBefore(42) {
		t.Fatal("42 still seen after the clearing")
	}
}

// TestVerifyCacheEntriesCounted: the count that lets lookups skip an
// empty cache follows puts, evictions and flushes.
func TestVerifyCacheEntriesCounted(t *testing.T) {
	c := newVerifiedCache(64 << 10)
	for i := range 1000 {
		c.put("t"+time.Duration(i).String(), cachedClaims(i))
	}
	if got, want := c.entries.Load(), int64(c.stats().Entries); got != want || got == 0 {
		t.Fatalf("counted %d, holds %d", got, want)
	}
	c.flush()
	if c.entries.Load() != 0 {
		t.Fatalf("counted %d after flush", c.entries.Load())
	}
}
