package tokenmanager

import "sync/atomic"

// boundedTable is a map of at most max keys that remembers an order (the
// order of insertion, or of use when touch is called): when it is full, a
// new key first drops the stale entries at the front, then evicts one of
// the oldest (see add). It never refuses a key, so a limiter built on it
// never stops counting. Not safe for concurrent use.
type boundedTable[V any] struct {
	m          map[string]*tableNode[V]
	head, tail *tableNode[V]
	max        int
	evicted    *atomic.Uint64 // counts evictions of live entries; may be nil
}

type tableNode[V any] struct {
	key        string
	v          V
	prev, next *tableNode[V]
}

func (t *boundedTable[V]) init(max int, evicted *atomic.Uint64) {
	t.m, t.max, t.evicted = make(map[string]*tableNode[V]), max, evicted
}

func (t *boundedTable[V]) len() int { return len(t.m) }

// get returns the entry of key, or nil.
func (t *boundedTable[V]) get(key string) *tableNode[V] { return t.m[key] }

// evictSample is how many entries from the front add weighs against
// each other when it must evict one.
const evictSample = 8

// add inserts key with v at the back, making room first: entries at the
// front for which stale is true are dropped, and if the table is still
// full, one of the evictSample oldest is evicted, the one that weighs
// least (the oldest of those that weigh least). A limiter weighs an entry
// by what forgetting it would give away (the attempts it counts), so a
// flood of fresh keys evicts its own entries before a locked one.
func (t *boundedTable[V]) add(key string, v V, stale func(*V) bool, weight func(*V) int) *tableNode[V] {
	for len(t.m) >= t.max && t.head != nil && stale(&t.head.v) {
		t.remove(t.head)
	}
	if len(t.m) >= t.max && t.head != nil {
		t.remove(t.lightest(weight))
		if t.evicted != nil {
			t.evicted.Add(1)
		}
	}
	n := &tableNode[V]{key: key, v: v}
	t.m[key] = n
	t.pushBack(n)
	return n
}

// lightest returns the entry of least weight among the oldest few.
func (t *boundedTable[V]) lightest(weight func(*V) int) *tableNode[V] {
	best := t.head
	i := 0
	for n := t.head; n != nil && i < evictSample; n, i = n.next, i+1 {
		if weight(&n.v) < weight(&best.v) {
			best = n
		}
	}
	return best
}

// touch moves n to the back: it becomes the newest.
func (t *boundedTable[V]) touch(n *tableNode[V]) {
	if t.tail == n {
		return
	}
	t.unlink(n)
	t.pushBack(n)
}

func (t *boundedTable[V]) remove(n *tableNode[V]) {
	t.unlink(n)
	delete(t.m, n.key)
}

func (t *boundedTable[V]) pushBack(n *tableNode[V]) {
	n.prev, n.next = t.tail, nil
	if t.tail != nil {
		t.tail.next = n
	} else {
		t.head = n
	}
	t.tail = n
}

func (t *boundedTable[V]) unlink(n *tableNode[V]) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		t.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		t.tail = n.prev
	}
	n.prev, n.next = nil, nil
}
