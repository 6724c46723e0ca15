package tokenmanager

import "sync/atomic"

// bloom is a lock-free, blocked Bloom filter in front of the cancelled
// set's maps: a token that is not cancelled, the common case, is answered
// with a few atomic loads and no lock. Each key sets three bits inside one
// 64-byte block (one cache line), so a lookup costs one memory access
// however large the set, where a classic filter costs one per probe. Bits
// are only ever set; removals happen by building a new filter and swapping
// it in.
type bloom struct {
	words  []atomic.Uint64
	blocks uint64 // number of blocks - 1 (a power of two minus one)
}

// bitsPerEntry sizes the filter: 16 bits an entry with three probes in one
// 512-bit block gives about 0.5% false positives, which then cost one map
// lookup.
const bitsPerEntry = 16

// blockWords is the size of a block: 8 words, one 64-byte cache line.
const blockWords = 8

func newBloom(entries int) *bloom {
	bits := uint64(1 << 16)
	for bits < uint64(entries)*bitsPerEntry {
		bits <<= 1
	}
	return &bloom{words: make([]atomic.Uint64, bits/64), blocks: bits/(64*blockWords) - 1}
}

// block returns the first word of h's block and h's three bits in it,
// as (word index within the block, bit) pairs packed in one uint64 each:
// the block comes from the hash's high half, the bits from its low bits.
func (b *bloom) block(h uint64) (base uint64, p [3]uint64) {
	base = (h >> 32 & b.blocks) * blockWords
	for i := range p {
		p[i] = h >> (9 * i) & 511 // 9 bits: a word (3 bits) and a bit in it (6)
	}
	return base, p
}

func (b *bloom) add(h uint64) {
	base, p := b.block(h)
	for _, q := range p {
		b.words[base+q>>6].Or(1 << (q & 63))
	}
}

func (b *bloom) mayContain(h uint64) bool {
	base, p := b.block(h)
	w := b.words[base : base+blockWords : base+blockWords]
	return w[p[0]>>6].Load()&(1<<(p[0]&63)) != 0 &&
		w[p[1]>>6].Load()&(1<<(p[1]&63)) != 0 &&
		w[p[2]>>6].Load()&(1<<(p[2]&63)) != 0
}

// capacity is how many entries the filter holds at its designed rate.
func (b *bloom) capacity() int { return int((b.blocks + 1) * blockWords * 64 / bitsPerEntry) }
