package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// The heartbeat of an event stream: ?heartbeat= asks for an interval in
// [minHeartbeat, maxHeartbeat] (a reader with a staleness bound asks for a
// quarter of it); defaultHeartbeat without one.
const (
	defaultHeartbeat = 5 * time.Second
	minHeartbeat     = 100 * time.Millisecond
	maxHeartbeat     = 15 * time.Second
)

// retryMillis is the reconnection delay the stream asks clients for.
const retryMillis = 2000

// cancellationEvents serves GET /events/cancellations, a Server-Sent
// Events stream: every live cancellation, a ready event, then each new
// cancellation as this instance learns of it, with a heartbeat event that
// says how recently the replica was confirmed in step with the store,
// until the client leaves, falls DefaultHubBuffer events behind, does not
// read for the Hub's WriteTimeout, or the replica is cut off (a stale
// event, then the end). While the replica is cut off it answers 503.
func (s *Server) cancellationEvents(w http.ResponseWriter, r *http.Request) error {
	every, err := heartbeatParam(r)
	if err != nil {
		return err
	}
	rep := s.Manager.Replica()
	if !vouching(rep) {
		return tokenmanager.Errorf(tokenmanager.EUnavailable, "this instance's replica is not in step with the store")
	}
	sub, seq := s.Events.subscribe() // first, so nothing made during the load is missed
	defer s.Events.unsubscribe(sub)
	loadStart := time.Now()
	live, err := rep.Store.Cancellations(r.Context(), s.Manager.Config().Now())
	if err != nil {
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "cannot read the cancelled set")
	}
	es := startStream(w, s.Events.writeTimeout())
	for _, c := range live {
		es.send(EventCancellation, "", NewCancellationEvent(c))
	}
	es.send(EventReady, strconv.FormatUint(seq, 10), ReadyEvent{Cancellations: len(live), ConfirmedAgo: ceilMillis(time.Since(loadStart))})
	follow(r.Context(), es, sub, rep, every)
	return nil
}

// heartbeatParam reads ?heartbeat= (a Go duration such as 250ms),
// clamped to [minHeartbeat, maxHeartbeat].
func heartbeatParam(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("heartbeat")
	if v == "" {
		return defaultHeartbeat, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, tokenmanager.Errorf(tokenmanager.EInvalid, "heartbeat must be a positive duration such as 1s or 250ms")
	}
	return min(max(d, minHeartbeat), maxHeartbeat), nil
}

// vouching reports whether the replica may be vouched for: loaded, live,
// and last confirmed within its MaxStaleness.
func vouching(rep *tokenmanager.Replica) bool {
	return rep.Ready() && rep.Staleness() <= rep.MaxStaleness
}

// follow writes sub's events to es until ctx ends, the Hub drops sub, a
// write fails, or the replica stops being vouched for; every heartbeat it
// vouches for the replica.
func follow(ctx context.Context, es *eventStream, sub *subscriber, rep *tokenmanager.Replica, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for es.flush() == nil {
		select {
		case <-ctx.Done():
			return
		case <-sub.gone:
			return
		case ev := <-sub.events:
			es.send(EventCancellation, strconv.FormatUint(ev.seq, 10), NewCancellationEvent(ev.c))
		case <-tick.C:
			if !vouch(es, sub, rep) {
				_ = es.flush()
				return
			}
		}
	}
}

// vouch writes a heartbeat with the age of the replica's last
// confirmation, after every event published before that confirmation (the
// age is read first, then the backlog sent), so that a reader never
// counts from a confirmation whose events it has not got. When the
// replica cannot be vouched for it writes a stale event instead and
// reports false: the stream ends.
func vouch(es *eventStream, sub *subscriber, rep *tokenmanager.Replica) bool {
	readAt, age := time.Now(), rep.Staleness()
	if !vouching(rep) {
		es.send(EventStale, "", HeartbeatEvent{ConfirmedAgo: ceilMillis(age)})
		return false
	}
	for drained := false; !drained; {
		select {
		case ev := <-sub.events:
			es.send(EventCancellation, strconv.FormatUint(ev.seq, 10), NewCancellationEvent(ev.c))
		default:
			drained = true
		}
	}
	es.send(EventHeartbeat, "", HeartbeatEvent{ConfirmedAgo: ceilMillis(age + time.Since(readAt))})
	return true
}

// eventStream writes Server-Sent Events; the first write error sticks and
// ends the stream.
type eventStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration // each write's deadline
	err     error
}

// startStream sends the headers and the retry delay. It lifts the
// server's read timeout and replaces its write timeout, which would cut
// the stream, by a deadline on each write: a reader that stops reading is
// dropped after timeout instead of holding the stream forever.
func startStream(w http.ResponseWriter, timeout time.Duration) *eventStream {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	es := &eventStream{w: w, rc: rc, timeout: timeout}
	es.deadline()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events through at once
	w.WriteHeader(http.StatusOK)
	es.printf("retry: %d\n\n", retryMillis)
	return es
}

// deadline gives the next write timeout to complete.
func (es *eventStream) deadline() { _ = es.rc.SetWriteDeadline(time.Now().Add(es.timeout)) }

// send writes one event; id is left out when empty.
func (es *eventStream) send(event, id string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		es.err = err
		return
	}
	if es.err != nil {
		return
	}
	es.deadline()
	if id != "" {
		es.printf("id: %s\n", id)
	}
	es.printf("event: %s\ndata: %s\n\n", event, b)
}

func (es *eventStream) printf(format string, args ...any) {
	if es.err == nil {
		_, es.err = fmt.Fprintf(es.w, format, args...)
	}
}

// flush sends what was written, and returns the stream's first error.
func (es *eventStream) flush() error {
	if es.err == nil {
		es.deadline()
		es.err = es.rc.Flush()
	}
	return es.err
}
