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
	// loose counts the token (looseToken) and the session (looseSession)
	// entries without a subject: only while there are any of a kind does
	// Check hash its jti (session) and probe the loose entries' filter.
	loose [2]atomic.Int64
}

type cancelShard struct {
	mu sync.RWMutex
	m  map[uint64]cancelEntry
}

// cancelEntry holds the cut-off in Unix milliseconds, the expiry in Unix
// seconds (rounded up: an entry may outlive its expiry by under a second)
// and the entry's place in the filter, the place of its subject (or
// looseToken, looseSession: no subject known). 16 bytes.
type cancelEntry struct {
	before  int64
	expires uint32
	place   uint32
}

// expirySeconds is t in Unix seconds, rounded up and clamped to uint32.
func expirySeconds(t time.Time) uint32 {
	ms := t.UnixMilli()
	switch {
	case ms <= 0:
		return 0
	case ms >= (1<<32-1)*1000:
		return 1<<32 - 1
	}
	return uint32((ms + 999) / 1000)
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
	s.filter.Store(newBloom(0, 0))
	return s
}

// Add records a cancellation, merged with any entry of the same identity.
func (s *CancelledSet) Add(c Cancellation) { s.Merge(c) }

// Merge is Add, and reports whether c changed the set (a new entry, or a
// later cut-off or expiry): what a reload found that the feed missed.
func (s *CancelledSet) Merge(c Cancellation) bool {
	k := s.key(c) // sessions and subjects are keyed by id alone, as in Key
	e := cancelEntry{before: c.Before.UnixMilli(), expires: expirySeconds(c.ExpiresAt), place: s.place(c, k)}
	s.writer.Lock()
	defer s.writer.Unlock()
	changed := s.put(k, e, s.loosePlace(c))
	if c.Kind == KindKey {
		s.keyed.Store(true)
	}
	if f := s.filter.Load(); s.Len() > f.capacity() || s.looseLen() > f.looseCapacity() {
		s.rebuildFilter()
	}
	return changed
}

// put merges e into the entry of key k and sets its filter bits, and
// reports whether the entry's cut-off or expiry changed (or it is new);
// loose is where the entry goes if its places disagree. The caller holds
// s.writer.
func (s *CancelledSet) put(k uint64, e cancelEntry, loose uint32) bool {
	sh := &s.shards[k&(shardCount-1)]
	sh.mu.Lock()
	old, ok := sh.m[k]
	if ok {
		e.before = max(e.before, old.before)
		e.expires = max(e.expires, old.expires)
		e.place = mergePlace(old.place, e.place, loose)
	} else {
		s.size.Add(1)
	}
	sh.m[k] = e
	sh.mu.Unlock()
	wasLoose := ok && isLoose(old.place)
	if isLoose(e.place) && !wasLoose {
		s.loose[e.place].Add(1) // before the bits: a reader that sees them probes them
	}
	s.filter.Load().add(k, e.place) // after the map: a reader that sees the bits finds the entry
	if wasLoose && !isLoose(e.place) {
		s.loose[old.place].Add(-1) // after the bits of its place
	}
	return !ok || e.before != old.before || e.expires != old.expires
}

// mergePlace is the place of an entry known at places a and b: the one
// known, or loose if they disagree, which is always found.
func mergePlace(a, b, loose uint32) uint32 {
	switch {
	case a == b || isLoose(b):
		return a
	case isLoose(a):
		return b
	}
	return loose
}

// loosePlace is where c goes without a known subject.
func (s *CancelledSet) loosePlace(c Cancellation) uint32 {
	if c.Kind == KindSession {
		return looseSession
	}
	return looseToken
}

// looseLen returns the number of loose entries.
func (s *CancelledSet) looseLen() int { return int(s.loose[0].Load() + s.loose[1].Load()) }

// place is where the filter places c, whose identity hash is k: by its
// subject when known (a subject entry by itself), loose otherwise. Key
// entries, which Check finds through the maps, are placed by their own
// hash and never counted loose.
func (s *CancelledSet) place(c Cancellation, k uint64) uint32 {
	switch {
	case c.Kind == KindSubject || c.Kind == KindKey:
		return placeOf(k)
	case c.Subject != "":
		return placeOf(s.hash(KindSubject, "", c.Subject))
	}
	return s.loosePlace(c)
}

// rebuildFilter replaces the filter by one sized for twice the current
// entries (and loose entries), holding every current key; the caller
// holds s.writer, so no key is added meanwhile.
func (s *CancelledSet) rebuildFilter() {
	f := newBloom(2*s.Len(), 2*s.looseLen())
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for k, e := range sh.m {
			f.add(k, e.place)
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
// revoked (whenever the token was issued). Entries are placed in the
// filter by their subject, so the common answer (not cancelled) comes from
// the filter's small summary, and otherwise from one block for the three
// keys; loose entries (no subject known) cost hashing the jti (the
// session) and a probe of the loose entries' filter, only while there are
// loose tokens (sessions).
func (s *CancelledSet) Check(c *Claims) (Kind, bool) {
	f := s.filter.Load()
	hu := s.hash(KindSubject, "", c.Subject)
	p := placeOf(hu)
	sid := c.SessionID != ""
	placed, lt := f.placed(p), s.loose[looseToken].Load() != 0
	ls := sid && s.loose[looseSession].Load() != 0
	if !placed && !lt && !ls {
		return s.checkKey(c) // the common case: the jti and session need no hash
	}
	var ht, hs uint64
	if placed || lt {
		ht = s.hash(KindToken, c.Issuer, c.ID)
	}
	if placed && sid || ls {
		hs = s.hash(KindSession, "", c.SessionID)
	}
	var mt, ms, mu bool
	if placed {
		blk := f.block(p)
		mt, mu = has(blk, ht), has(blk, hu)
		ms = sid && has(blk, hs)
	}
	if lt {
		mt = mt || f.mayContain(ht, looseToken)
	}
	if ls {
		ms = ms || f.mayContain(hs, looseSession)
	}
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

// match reads the maps directly: the filter places entries by a subject
// these lookups may not know.
func (s *CancelledSet) match(k Kind, iss, id string, iat int64, any bool) bool {
	return s.lookup(s.hash(k, iss, id), iat, any)
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
	cut, n, loose := now.UnixMilli(), 0, [2]int64{}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if int64(e.expires)*1000 <= cut {
				delete(sh.m, k)
				n++
				if isLoose(e.place) {
					loose[e.place]++
				}
			}
		}
		sh.mu.Unlock()
	}
	s.size.Add(-int64(n))
	s.loose[looseToken].Add(-loose[looseToken]) // their bits stay until the rebuild below
	s.loose[looseSession].Add(-loose[looseSession])
	if n > 0 {
		s.rebuildFilter() // drop the swept keys' bits
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
