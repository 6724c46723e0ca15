package tokenmanager

import "sync/atomic"

// bloom is the lock-free filter in front of the cancelled set's maps: a
// token that is not cancelled, the common case, is answered with a few
// atomic loads and no lock. Bits are only ever set; removals happen by
// building a new filter and swapping it in. It has two levels, loaded
// together through the set's one atomic pointer:
//
//   - level 2, a blocked Bloom filter: an entry sets three bits, chosen by
//     its own identity hash, inside one 64-byte block (one cache line)
//     chosen by its place, the hash of its subject. A token's jti, session
//     and subject entries share the token's subject, hence one block: a
//     check reads one cache line for its three keys.
//   - level 1, the summary: one bit per place, about two bits per entry,
//     so a small array (4 MiB at 10^7 entries) that stays in the CPU
//     cache. A token whose subject has no entry at all, nearly every
//     check, is answered there without touching level 2.
//
// Entries with no known subject ("loose": stored by older versions, or
// cancelled by id alone) go to a third, blocked filter of their own, sized
// by their number and placed by their own hash; the set counts them, and
// only while there are any does a check also probe its jti's and
// session's blocks there. A few loose entries make a filter small enough
// to stay in the CPU cache; many (just after an upgrade) cost a check two
// more memory reads, until they expire.
type bloom struct {
	words   []atomic.Uint64 // level 2
	blocks  uint64          // number of blocks - 1 (a power of two minus one)
	summary []atomic.Uint64 // level 1
	smask   uint64          // number of summary bits - 1
	loose   []atomic.Uint64 // the loose entries' filter
	lblocks uint64          // its number of blocks - 1
}

// bitsPerEntry sizes level 2: 16 bits an entry with three probes in one
// 512-bit block gives about 0.5% false positives, which then cost one map
// lookup. summaryBitsPerEntry sizes level 1.
const (
	bitsPerEntry        = 16
	summaryBitsPerEntry = 2
)

// blockWords is the size of a block: 8 words, one 64-byte cache line.
const blockWords = 8

// The multipliers that turn a place into its block and its summary bit:
// two odd constants, so the two choices are independent of each other
// (and of the low bits that choose an entry's bits inside its block).
const (
	mixBlock   = 0x9E3779B97F4A7C15
	mixSummary = 0xC2B2AE3D27D4EB4F
)

// newBloom returns a filter sized for entries, of which loose are loose.
func newBloom(entries, loose int) *bloom {
	bits, lbits := filterBits(1<<16, entries), filterBits(1<<12, loose)
	sbits := bits / bitsPerEntry * summaryBitsPerEntry
	return &bloom{words: make([]atomic.Uint64, bits/64), blocks: bits/(64*blockWords) - 1,
		summary: make([]atomic.Uint64, sbits/64), smask: sbits - 1,
		loose: make([]atomic.Uint64, lbits/64), lblocks: lbits/(64*blockWords) - 1}
}

// filterBits is the size of a blocked filter for entries: a power of two,
// at least least.
func filterBits(least uint64, entries int) uint64 {
	bits := least
	for bits < uint64(entries)*bitsPerEntry {
		bits <<= 1
	}
	return bits
}

// The places that mark a loose entry, by kind: a token or a session
// (anything else with a place has a subject, or is a subject or a key).
const (
	looseToken   uint32 = 0
	looseSession uint32 = 1
)

// isLoose reports whether p marks a loose entry.
func isLoose(p uint32) bool { return p <= looseSession }

// placeOf is the place of an identity hash: its high half, never one of
// the places that mark a loose entry.
func placeOf(h uint64) uint32 {
	if p := uint32(h >> 32); !isLoose(p) {
		return p
	}
	return uint32(h>>32) + 2
}

// block returns the words of place p's block.
func (b *bloom) block(p uint32) []atomic.Uint64 {
	base := (uint64(p) * mixBlock >> 32 & b.blocks) * blockWords
	return b.words[base : base+blockWords : base+blockWords]
}

// looseBlock returns the words of the loose entry h's block: chosen by
// h's high half, as its bits are by its low bits.
func (b *bloom) looseBlock(h uint64) []atomic.Uint64 {
	base := (h >> 32 & b.lblocks) * blockWords
	return b.loose[base : base+blockWords : base+blockWords]
}

// summaryBit returns the word and the bit of place p in the summary.
func (b *bloom) summaryBit(p uint32) (*atomic.Uint64, uint64) {
	i := uint64(p) * mixSummary >> 32 & b.smask
	return &b.summary[i>>6], 1 << (i & 63)
}

// probes returns h's three bits in a block, as (word, bit) pairs packed
// in 9 bits each: a word (3 bits) and a bit in it (6), from h's low bits.
func probes(h uint64) [3]uint64 {
	return [3]uint64{h & 511, h >> 9 & 511, h >> 18 & 511}
}

// add sets the bits of the entry h placed at p (or loose).
func (b *bloom) add(h uint64, p uint32) {
	var blk []atomic.Uint64
	if isLoose(p) {
		blk = b.looseBlock(h)
	} else {
		w, bit := b.summaryBit(p)
		w.Or(bit)
		blk = b.block(p)
	}
	for _, q := range probes(h) {
		blk[q>>6].Or(1 << (q & 63))
	}
}

// placed reports whether any entry may be placed at p (level 1).
func (b *bloom) placed(p uint32) bool {
	w, bit := b.summaryBit(p)
	return w.Load()&bit != 0
}

// has reports whether h's three bits are set in blk.
func has(blk []atomic.Uint64, h uint64) bool {
	p := probes(h)
	return blk[p[0]>>6].Load()&(1<<(p[0]&63)) != 0 &&
		blk[p[1]>>6].Load()&(1<<(p[1]&63)) != 0 &&
		blk[p[2]>>6].Load()&(1<<(p[2]&63)) != 0
}

// mayContain reports whether the entry h may be in the set placed at p,
// or loose.
func (b *bloom) mayContain(h uint64, p uint32) bool {
	if isLoose(p) {
		return has(b.looseBlock(h), h)
	}
	return b.placed(p) && has(b.block(p), h)
}

// capacity is how many entries the filter holds at its designed rate.
func (b *bloom) capacity() int { return int((b.blocks + 1) * blockWords * 64 / bitsPerEntry) }

// looseCapacity is how many loose entries it holds at its designed rate.
func (b *bloom) looseCapacity() int { return int((b.lblocks + 1) * blockWords * 64 / bitsPerEntry) }
