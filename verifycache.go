package tokenmanager

import (
	"hash/maphash"
	"sync"
	"time"
)

// verifiedCache remembers the claims of access tokens whose signature and
// claims were verified, so that a token seen again (a client calls many
// times with the same token) skips the signature and the JSON. It is keyed
// by a 128-bit keyed hash of the token's text (two maphash seeds chosen per
// process): the text itself is never kept, and nobody outside the process
// can aim for a collision. Only successes are cached; the expiry is checked
// again on every hit, and the cancelled set is always consulted after it.
type verifiedCache struct {
	seeds  [2]maphash.Seed
	shards [shardCount]verifiedShard
	perMax int
}

type verifiedShard struct {
	mu sync.RWMutex
	m  map[[2]uint64]*Claims
}

// newVerifiedCache returns a cache of about size entries; nil when size <= 0.
func newVerifiedCache(size int) *verifiedCache {
	if size <= 0 {
		return nil
	}
	c := &verifiedCache{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, perMax: max(1, size/shardCount)}
	for i := range c.shards {
		c.shards[i].m = make(map[[2]uint64]*Claims)
	}
	return c
}

func (c *verifiedCache) key(raw string) [2]uint64 {
	return [2]uint64{maphash.String(c.seeds[0], raw), maphash.String(c.seeds[1], raw)}
}

// get returns the cached claims of raw if they have not expired at now
// (with leeway, as the codec allows).
func (c *verifiedCache) get(raw string, now time.Time, leeway time.Duration) (*Claims, bool) {
	if c == nil {
		return nil, false
	}
	k := c.key(raw)
	sh := &c.shards[k[0]&(shardCount-1)]
	sh.mu.RLock()
	cl, ok := sh.m[k]
	sh.mu.RUnlock()
	if !ok || !now.Before(cl.ExpiresAt.Add(leeway)) {
		return nil, false
	}
	return cl, true
}

// put remembers the claims of raw, evicting an arbitrary entry of the
// shard when it is full (map iteration order is random).
func (c *verifiedCache) put(raw string, cl *Claims) {
	if c == nil {
		return
	}
	k := c.key(raw)
	sh := &c.shards[k[0]&(shardCount-1)]
	sh.mu.Lock()
	if len(sh.m) >= c.perMax {
		for old := range sh.m {
			delete(sh.m, old)
			break
		}
	}
	sh.m[k] = cl
	sh.mu.Unlock()
}

// flush forgets everything, for example after a signing key was withdrawn.
func (c *verifiedCache) flush() {
	if c == nil {
		return
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.m = make(map[[2]uint64]*Claims)
		sh.mu.Unlock()
	}
}
