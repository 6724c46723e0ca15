package tokenmanager

import "sync/atomic"

// bloom is a lock-free Bloom filter (two probes per key) in front of the
// cancelled set's maps: a token that is not cancelled, the common case, is
// answered with a few atomic loads and no lock. Bits are only ever set;
// removals happen by building a new filter and swapping it in.
type bloom struct {
	words []atomic.Uint64
	mask  uint64 // number of bits - 1 (a power of two)
}

// bitsPerEntry sizes the filter: 16 bits an entry with two probes gives
// about 1.4% false positives, which then cost one map lookup.
const bitsPerEntry = 16

func newBloom(entries int) *bloom {
	bits := uint64(1 << 16)
	for bits < uint64(entries)*bitsPerEntry {
		bits <<= 1
	}
	return &bloom{words: make([]atomic.Uint64, bits/64), mask: bits - 1}
}

// probes derives the two bit positions of a 64-bit keyed hash.
func (b *bloom) probes(h uint64) (uint64, uint64) {
	return h & b.mask, (h>>32 | h<<32) * 0x9E3779B97F4A7C15 >> 7 & b.mask
}

func (b *bloom) add(h uint64) {
	p, q := b.probes(h)
	b.words[p/64].Or(1 << (p % 64))
	b.words[q/64].Or(1 << (q % 64))
}

func (b *bloom) mayContain(h uint64) bool {
	p, q := b.probes(h)
	return b.words[p/64].Load()&(1<<(p%64)) != 0 && b.words[q/64].Load()&(1<<(q%64)) != 0
}

// capacity is how many entries the filter holds at its designed rate.
func (b *bloom) capacity() int { return int((b.mask + 1) / bitsPerEntry) }
