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

// heartbeat is how often an idle event stream sends a comment, so that
// proxies keep it open and clients can tell a dead connection from a
// quiet one.
const heartbeat = 15 * time.Second

// retryMillis is the reconnection delay the stream asks clients for.
const retryMillis = 2000

// cancellationEvents serves GET /events/cancellations, a Server-Sent
// Events stream: every live cancellation, a ready event, then each new
// cancellation as this instance learns of it, until the client leaves or
// falls DefaultHubBuffer events behind.
func (s *Server) cancellationEvents(w http.ResponseWriter, r *http.Request) error {
	sub, seq := s.Events.subscribe() // first, so nothing made during the load is missed
	defer s.Events.unsubscribe(sub)
	live, err := s.Manager.Replica().Store.Cancellations(r.Context(), s.Manager.Config().Now())
	if err != nil {
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "cannot read the cancelled set")
	}
	es := startStream(w)
	for _, c := range live {
		es.send(EventCancellation, "", NewCancellationEvent(c))
	}
	es.send(EventReady, strconv.FormatUint(seq, 10), ReadyEvent{Cancellations: len(live)})
	follow(r.Context(), es, sub)
	return nil
}

// follow writes sub's events to es until ctx ends, the Hub drops sub or
// a write fails; it writes a comment when the stream has been idle.
func follow(ctx context.Context, es *eventStream, sub *subscriber) {
	tick := time.NewTicker(heartbeat)
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
			es.comment("keep-alive")
		}
	}
}

// eventStream writes Server-Sent Events; the first write error sticks and
// ends the stream.
type eventStream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

// startStream sends the headers and the retry delay, and lifts the
// server's read and write timeouts, which would otherwise cut the stream.
func startStream(w http.ResponseWriter) *eventStream {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events through at once
	w.WriteHeader(http.StatusOK)
	es := &eventStream{w: w, rc: rc}
	es.printf("retry: %d\n\n", retryMillis)
	return es
}

// send writes one event; id is left out when empty.
func (es *eventStream) send(event, id string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		es.err = err
		return
	}
	if id != "" {
		es.printf("id: %s\n", id)
	}
	es.printf("event: %s\ndata: %s\n\n", event, b)
}

// comment writes a comment line, which clients ignore.
func (es *eventStream) comment(text string) { es.printf(": %s\n\n", text) }

func (es *eventStream) printf(format string, args ...any) {
	if es.err == nil {
		_, es.err = fmt.Fprintf(es.w, format, args...)
	}
}

// flush sends what was written, and returns the stream's first error.
func (es *eventStream) flush() error {
	if es.err == nil {
		es.err = es.rc.Flush()
	}
	return es.err
}
