package http

import (
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// DefaultHubBuffer is how many events a subscriber of a [Hub] may fall
// behind by before it is dropped: the bound on each reader's backlog in
// server memory.
const DefaultHubBuffer = 1024

// DefaultWriteTimeout is how long one write to an event stream may block
// (the reader does not read, or its connection is dead) before the stream
// is dropped: a reader that stops reading does not hold the server's
// memory (the snapshot being sent, its backlog) for longer.
const DefaultWriteTimeout = 10 * time.Second

// recentSize is how many published cancellations a Hub remembers to drop
// a repeat: the same cancellation reaches it twice on an instance with a
// shared store (from Manager.OnCancel, then back from the store's feed).
const recentSize = 1024

// Hub fans cancellations out to the streams of GET /events/cancellations.
// Publish never blocks: a subscriber whose buffer is full is dropped (its
// stream ends; the client reconnects and reloads the whole set), so a slow
// reader can never delay a cancellation. The zero value is ready to use.
type Hub struct {
	// Buffer is each subscriber's buffer; DefaultHubBuffer when 0.
	Buffer int
	// WriteTimeout bounds each write to a stream; DefaultWriteTimeout
	// when 0.
	WriteTimeout time.Duration

	mu     sync.Mutex
	seq    uint64
	subs   map[*subscriber]struct{}
	recent map[string]tokenmanager.Cancellation
	ring   []string // keys of recent, oldest first
}

// subscriber is one stream's view of the Hub. gone is closed when the Hub
// drops it.
type subscriber struct {
	events chan hubEvent
	gone   chan struct{}
}

// hubEvent is a cancellation with its sequence number on this Hub.
type hubEvent struct {
	seq uint64
	c   tokenmanager.Cancellation
}

// Publish sends c to every subscriber, unless the same cancellation was
// published moments ago.
func (h *Hub) Publish(c tokenmanager.Cancellation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.isRepeat(c) {
		return
	}
	h.seq++
	for s := range h.subs {
		select {
		case s.events <- hubEvent{h.seq, c}:
		default:
			h.drop(s)
		}
	}
}

// DropAll ends every stream, so that each subscriber reconnects and loads
// the whole set again. Call it when the server shuts down (a stream never
// ends by itself, and http.Server.Shutdown waits for every request). After
// a reload of the replica, publish what it found instead
// (ReplicaHooks.Missed): dropping every stream at once sends every reader
// back for the whole set at the same moment.
func (h *Hub) DropAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.drop(s)
	}
}

// Subscribers returns how many streams are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// writeTimeout returns WriteTimeout or its default.
func (h *Hub) writeTimeout() time.Duration {
	if h.WriteTimeout > 0 {
		return h.WriteTimeout
	}
	return DefaultWriteTimeout
}

// subscribe adds a subscriber and returns it with the sequence number of
// the last event published before it: it receives every later one.
func (h *Hub) subscribe() (*subscriber, uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[*subscriber]struct{}{}
	}
	n := h.Buffer
	if n <= 0 {
		n = DefaultHubBuffer
	}
	s := &subscriber{events: make(chan hubEvent, n), gone: make(chan struct{})}
	h.subs[s] = struct{}{}
	return s, h.seq
}

// unsubscribe removes s, if the Hub has not dropped it already.
func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		h.drop(s)
	}
}

// drop removes s and tells its stream; the caller holds h.mu.
func (h *Hub) drop(s *subscriber) {
	delete(h.subs, s)
	close(s.gone)
}

// isRepeat reports whether c equals a recently published cancellation,
// and remembers it otherwise; the caller holds h.mu.
func (h *Hub) isRepeat(c tokenmanager.Cancellation) bool {
	k := c.Key()
	if old, ok := h.recent[k]; ok && old.Before.Equal(c.Before) && old.ExpiresAt.Equal(c.ExpiresAt) {
		return true
	}
	if h.recent == nil {
		h.recent = make(map[string]tokenmanager.Cancellation, recentSize)
	}
	if _, ok := h.recent[k]; !ok {
		if len(h.ring) == recentSize {
			delete(h.recent, h.ring[0])
			h.ring = h.ring[1:]
		}
		h.ring = append(h.ring, k)
	}
	h.recent[k] = c
	return false
}
