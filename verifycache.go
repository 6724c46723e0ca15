package tokenmanager

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// verifiedCache remembers the claims of access tokens whose signature and
// claims were verified, so that a token seen again (a client calls many
// times with the same token) skips the signature and the JSON. It is keyed
// by a 128-bit keyed hash of the token's text (two maphash seeds chosen per
// process): the text itself is never kept, and nobody outside the process
// can aim for a collision. Only successes are cached; the expiry is checked
// again on every hit, and the cancelled set is always consulted after it.
//
// It is bounded by memory, not by a count: each entry is charged its map
// slot, its Claims and the bytes of their strings (entryCost), and a shard
// over its share of the budget evicts entries at random until it fits.
type verifiedCache struct {
	seeds    [2]maphash.Seed
	shards   [shardCount]verifiedShard
	perBytes int64        // each shard's share of the memory budget
	entries  atomic.Int64 // across the shards: a lookup in an empty cache is skipped
}

type verifiedShard struct {
	mu     sync.RWMutex
	m      map[[2]uint64]*Claims
	bytes  int64 // the entries' cost, under mu
	hits   atomic.Uint64
	misses atomic.Uint64
	_      [32]byte // keep neighbouring shards' counters off this cache line
}

// DefaultVerifyCacheMemory is the verify cache's default budget: about
// 80,000 of our tokens' claims (some 400 bytes each).
const DefaultVerifyCacheMemory = 32 << 20

// newVerifiedCache returns a cache that keeps its entries within about
// memory bytes; nil when memory <= 0.
func newVerifiedCache(memory int64) *verifiedCache {
	if memory <= 0 {
		return nil
	}
	c := &verifiedCache{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, perBytes: max(1, memory/shardCount)}
	for i := range c.shards {
		c.shards[i].m = make(map[[2]uint64]*Claims)
	}
	return c
}

// entryOverhead is an entry's cost beyond its Claims' strings: the map's
// slot (key, pointer, control byte, load factor) and the Claims struct.
const entryOverhead = 48 + int64(unsafe.Sizeof(Claims{}))

// entryCost estimates the heap bytes that caching cl holds. Strings that
// share one backing array (the codec's claims are cut from one decoded
// payload) are counted once each, so this overestimates, never under.
func entryCost(cl *Claims) int64 {
	n := entryOverhead + int64(len(cl.Issuer)+len(cl.Subject)+len(cl.ID)+len(cl.SessionID)+len(cl.KeyID))
	for _, a := range cl.Audience {
		n += 16 + int64(len(a))
	}
	return n
}

func (c *verifiedCache) key(raw string) [2]uint64 {
	return [2]uint64{maphash.String(c.seeds[0], raw), maphash.String(c.seeds[1], raw)}
}

// lookup returns the cached claims of key k if they have not expired at
// now (with leeway, as the codec allows), without counting a hit or miss.
func (c *verifiedCache) lookup(k [2]uint64, now time.Time, leeway time.Duration) (*Claims, bool) {
	if c == nil || c.entries.Load() == 0 {
		return nil, false
	}
	sh := &c.shards[k[0]&(shardCount-1)]
	sh.mu.RLock()
	cl, ok := sh.m[k]
	sh.mu.RUnlock()
	if !ok || !now.Before(cl.ExpiresAt.Add(leeway)) {
		return nil, false
	}
	return cl, true
}

// count records a hit or a miss of key k.
func (c *verifiedCache) count(k [2]uint64, hit bool) {
	sh := &c.shards[k[0]&(shardCount-1)]
	if hit {
		sh.hits.Add(1)
	} else {
		sh.misses.Add(1)
	}
}

// putKey remembers the claims of key k, evicting entries of the shard at
// random (map iteration order is random) while it is over its share of
// memory.
func (c *verifiedCache) putKey(k [2]uint64, cl *Claims) {
	sh := &c.shards[k[0]&(shardCount-1)]
	cost := entryCost(cl)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old, ok := sh.m[k]; ok { // verified twice at once
		sh.m[k] = cl
		sh.bytes += cost - entryCost(old)
		return
	}
	for old, ocl := range sh.m {
		if sh.bytes+cost <= c.perBytes {
			break
		}
		delete(sh.m, old)
		sh.bytes -= entryCost(ocl)
		c.entries.Add(-1)
	}
	sh.m[k] = cl
	sh.bytes += cost
	c.entries.Add(1)
}

// flush forgets everything, for example after a signing key was withdrawn.
func (c *verifiedCache) flush() {
	if c == nil {
		return
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		c.entries.Add(-int64(len(sh.m)))
		sh.m = make(map[[2]uint64]*Claims)
		sh.bytes = 0
		sh.mu.Unlock()
	}
}

// VerifyCacheStats describes the cache of verified tokens, for metrics.
type VerifyCacheStats struct {
	Hits, Misses uint64 // lookups answered from the cache, and not
	Entries      int    // tokens remembered now
	Bytes        int64  // their estimated memory
	MaxBytes     int64  // the budget
}

// stats sums the shards' figures; zero for a disabled cache.
func (c *verifiedCache) stats() VerifyCacheStats {
	var s VerifyCacheStats
	if c == nil {
		return s
	}
	s.MaxBytes = c.perBytes * shardCount
	for i := range c.shards {
		sh := &c.shards[i]
		s.Hits += sh.hits.Load()
		s.Misses += sh.misses.Load()
		sh.mu.RLock()
		s.Entries += len(sh.m)
		s.Bytes += sh.bytes
		sh.mu.RUnlock()
	}
	return s
}
