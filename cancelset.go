package tokenmanager

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

const shardCount = 64 // a power of two; enough that writers rarely meet readers

// CancelledSet is the in-memory replica of the cancelled set that every
// protected request is checked against. A check takes a read lock on one of
// 64 shards per lookup and never allocates, touches the disk or the network.
//
// Entries are keyed by a 64-bit keyed hash (hash/maphash, with a seed chosen
// per process) of the cancellation's identity, so an entry costs a few dozen
// bytes whatever the length of the ids, and nobody outside the process can
// aim for collisions. A collision could only refuse a valid token, never
// accept a cancelled one; with 10^7 entries its chance per check is about
// one in 10^12.
type CancelledSet struct {
	seeds  [5]maphash.Seed // one per kind, and one mixed in for the issuer
	shards [shardCount]cancelShard
	size   atomic.Int64
	filter atomic.Pointer[bloom]
	// writer serialises every change (Add, Sweep, Replace) with the
	// rebuilds of the filter, so no entry is ever missing from it.
	writer sync.Mutex
	// keyed is set once a key cancellation (a revoked key) was added:
	// until then Check skips the kid lookup.
	keyed atomic.Bool
}

type cancelShard struct {
	mu sync.RWMutex
	m  map[uint64]cancelEntry
}

// cancelEntry holds the cut-off and the expiry in Unix milliseconds.
type cancelEntry struct {
	before  int64
	expires int64
}

// NewCancelledSet returns an empty set.
func NewCancelledSet() *CancelledSet {
	s := &CancelledSet{}
	for i := range s.seeds {
		s.seeds[i] = maphash.MakeSeed()
	}
	for i := range s.shards {
		s.shards[i].m = make(map[uint64]cancelEntry)
	}
	s.filter.Store(newBloom(0))
	return s
}

// Add records a cancellation, merged with any entry of the same identity.
func (s *CancelledSet) Add(c Cancellation) { s.Merge(c) }

// Merge is Add, and reports whether c changed the set (a new entry, or a
// later cut-off or expiry): what a reload found that the feed missed.
func (s *CancelledSet) Merge(c Cancellation) bool {
	k := s.key(c) // sessions and subjects are keyed by id alone, as in Key
	s.writer.Lock()
	defer s.writer.Unlock()
	changed := s.put(k, cancelEntry{before: c.Before.UnixMilli(), expires: c.ExpiresAt.UnixMilli()})
	if c.Kind == KindKey {
		s.keyed.Store(true)
	}
	if f := s.filter.Load(); s.Len() > f.capacity() {
		s.rebuildFilter(2 * s.Len())
	}
	return changed
}

// put merges e into the entry of key k and sets its filter bits, and
// reports whether the entry changed; the caller holds s.writer.
func (s *CancelledSet) put(k uint64, e cancelEntry) bool {
	sh := &s.shards[k&(shardCount-1)]
	sh.mu.Lock()
	old, ok := sh.m[k]
	if ok {
		e.before = max(e.before, old.before)
		e.expires = max(e.expires, old.expires)
	} else {
		s.size.Add(1)
	}
	sh.m[k] = e
	sh.mu.Unlock()
	s.filter.Load().add(k) // after the map: a reader that sees the bit finds the entry
	return !ok || e != old
}

// rebuildFilter replaces the filter by one sized for entries, holding
// every current key; the caller holds s.writer, so no key is added meanwhile.
func (s *CancelledSet) rebuildFilter(entries int) {
	f := newBloom(entries)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for k := range sh.m {
			f.add(k)
		}
		sh.mu.RUnlock()
	}
	s.filter.Store(f)
}

// key is the hash of a cancellation's identity, as Check computes it.
func (s *CancelledSet) key(c Cancellation) uint64 {
	if c.Kind != KindToken {
		return s.hash(c.Kind, "", c.ID)
	}
	return s.hash(c.Kind, c.Issuer, c.ID)
}

// Len returns the number of entries, swept or not.
func (s *CancelledSet) Len() int { return int(s.size.Load()) }

// Check returns the kind of the cancellation that refuses a token with
// these claims, and false when the token is not cancelled. A token is
// refused when its jti is cancelled, or when its session or subject was
// cancelled after the token was issued, or the key that signed it was
// revoked (whenever the token was issued). The three keys are hashed first
// and their filter blocks read together, so the common answer (not
// cancelled) waits for the memory once rather than three times in a row.
func (s *CancelledSet) Check(c *Claims) (Kind, bool) {
	f := s.filter.Load()
	ht := s.hash(KindToken, c.Issuer, c.ID)
	hu := s.hash(KindSubject, "", c.Subject)
	var hs uint64
	if c.SessionID != "" {
		hs = s.hash(KindSession, "", c.SessionID)
	}
	mt, mu := f.mayContain(ht), f.mayContain(hu)
	ms := c.SessionID != "" && f.mayContain(hs)
	if !mt && !ms && !mu {
		return s.checkKey(c)
	}
	iat := c.IssuedAt.UnixMilli()
	switch {
	case mt && s.lookup(ht, iat, true):
		return KindToken, true
	case ms && s.lookup(hs, iat, false):
		return KindSession, true
	case mu && s.lookup(hu, iat, false):
		return KindSubject, true
	}
	return s.checkKey(c)
}

// checkKey reports whether the key that signed the token was revoked; it
// costs one atomic load until a key has been revoked.
func (s *CancelledSet) checkKey(c *Claims) (Kind, bool) {
	if s.keyed.Load() && c.KeyID != "" && s.match(KindKey, "", c.KeyID, 0, true) {
		return KindKey, true
	}
	return 0, false
}

// IsSubjectCancelledAt reports whether the subject was cancelled after t:
// used for refresh tokens, whose issue time is the session's last rotation.
func (s *CancelledSet) IsSubjectCancelledAt(subject string, t time.Time) bool {
	return s.match(KindSubject, "", subject, t.UnixMilli(), false)
}

// IsSessionCancelled reports whether the session was cancelled.
func (s *CancelledSet) IsSessionCancelled(id string) bool {
	return s.match(KindSession, "", id, -1<<62, true)
}

func (s *CancelledSet) match(k Kind, iss, id string, iat int64, any bool) bool {
	h := s.hash(k, iss, id)
	return s.filter.Load().mayContain(h) && s.lookup(h, iat, any)
}

// lookup reads the entry of hash h, past the filter: it matches when it
// exists and either any entry counts or its cut-off is after iat.
func (s *CancelledSet) lookup(h uint64, iat int64, any bool) bool {
	sh := &s.shards[h&(shardCount-1)]
	sh.mu.RLock()
	e, ok := sh.m[h]
	sh.mu.RUnlock()
	return ok && (any || iat < e.before)
}

// Sweep removes the entries that expired before now and returns how many
// it removed. It holds one shard's lock at a time.
func (s *CancelledSet) Sweep(now time.Time) int {
	s.writer.Lock()
	defer s.writer.Unlock()
	cut, n := now.UnixMilli(), 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.expires <= cut {
				delete(sh.m, k)
				n++
			}
		}
		sh.mu.Unlock()
	}
	s.size.Add(-int64(n))
	if n > 0 {
		s.rebuildFilter(2 * s.Len()) // drop the swept keys' bits
	}
	return n
}

// hash is the 64-bit keyed hash of an identity: one seed per kind keeps
// the kinds apart, and the issuer (tokens only) is mixed in.
func (s *CancelledSet) hash(k Kind, iss, id string) uint64 {
	seed := &s.seeds[0]
	switch k {
	case KindSession:
		seed = &s.seeds[1]
	case KindSubject:
		seed = &s.seeds[2]
	case KindKey:
		seed = &s.seeds[4]
	}
	h := maphash.String(*seed, id)
	if iss != "" {
		h ^= maphash.String(s.seeds[3], iss) * 0x9E3779B97F4A7C15
	}
	return h
}
