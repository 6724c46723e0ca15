package tokenmanager

import (
	"sync/atomic"
	"time"
)

// tokenCaches are the Manager's caches of verified tokens. Tokens whose
// check is costly (a signature: 30-70 µs) go to the main cache. Tokens
// that verify about as fast as a lookup (HMAC: CheapVerifier) go to a
// small one, and only once seen twice in a short while: a client that
// presents its token again and again still skips the check, but with
// many distinct tokens, each seen once in a long while, nothing is
// stored, nothing evicted, and the garbage collector has next to nothing
// more to scan (see docs/benchmarks.md).
type tokenCaches struct {
	main, hot *verifiedCache
	seen      doorkeeper
}

// hotShare is the part of the budget the small cache takes: an eighth,
// at most hotMaxMemory (some 2,500 tokens).
const (
	hotShare     = 8
	hotMaxMemory = 1 << 20
)

// newTokenCaches splits memory between the two caches; nil when memory
// <= 0 (no caching).
func newTokenCaches(memory int64) *tokenCaches {
	if memory <= 0 {
		return nil
	}
	hot := min(memory/hotShare, hotMaxMemory)
	t := &tokenCaches{main: newVerifiedCache(memory - hot), hot: newVerifiedCache(hot)}
	t.hot.seeds = t.main.seeds // one key serves both
	return t
}

// key is the caches' key of raw (the zero key when caching is off).
func (t *tokenCaches) key(raw string) [2]uint64 {
	if t == nil {
		return [2]uint64{}
	}
	return t.main.key(raw)
}

// get returns the cached claims of the token of key k, from either cache.
func (t *tokenCaches) get(k [2]uint64, now time.Time, leeway time.Duration) (*Claims, bool) {
	if t == nil {
		return nil, false
	}
	cl, ok := t.main.lookup(k, now, leeway)
	if !ok {
		cl, ok = t.hot.lookup(k, now, leeway)
	}
	t.main.count(k, ok)
	return cl, ok
}

// put remembers the claims of the token of key k: in the main cache, or,
// for a cheap token, in the small one once the doorkeeper has seen it
// before.
func (t *tokenCaches) put(k [2]uint64, cl *Claims, cheap bool) {
	if t == nil {
		return
	}
	switch {
	case !cheap:
		t.main.putKey(k, cl)
	case t.seen.seenBefore(k[1]):
		t.hot.putKey(k, cl)
	}
}

// flush forgets every token of both caches.
func (t *tokenCaches) flush() {
	if t != nil {
		t.main.flush()
		t.hot.flush()
	}
}

// stats sums both caches' figures; hits and misses are counted once per
// lookup, on the main cache.
func (t *tokenCaches) stats() VerifyCacheStats {
	if t == nil {
		return VerifyCacheStats{}
	}
	s, h := t.main.stats(), t.hot.stats()
	s.Entries += h.Entries
	s.Bytes += h.Bytes
	s.MaxBytes += h.MaxBytes
	return s
}

// doorkeeper remembers, approximately, which keys were seen lately: a
// 65,536-bit set, cleared after every 8,192 new keys, so that "seen
// before" means within the last few thousand verifications. A false
// "seen" only lets a token into the small cache early.
type doorkeeper struct {
	bits  [1024]atomic.Uint64
	marks atomic.Uint64
}

// doorkeeperReset is how many new keys the set takes before it is cleared
// (an eighth of its bits, so at most an eighth of "seen" answers are false).
const doorkeeperReset = 1 << 13

// seenBefore reports whether k was marked since the last clearing, and
// marks it.
func (d *doorkeeper) seenBefore(k uint64) bool {
	w, bit := &d.bits[k>>6&(uint64(len(d.bits))-1)], uint64(1)<<(k&63)
	if w.Load()&bit != 0 {
		return true
	}
	w.Or(bit)
	if d.marks.Add(1)%doorkeeperReset == 0 {
		for i := range d.bits {
			d.bits[i].Store(0)
		}
	}
	return false
}
