package ssf

import (
	"context"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// Poll bounds (RFC 8936).
const (
	DefaultMaxEvents = 100
	MaxMaxEvents     = 1000
	maxAcks          = 1000
	pollRecheck      = 500 * time.Millisecond // for SETs queued by other instances
)

// PollRequest is an RFC 8936 §2.4 poll: acknowledgements, errors, and how
// many SETs to return.
type PollRequest struct {
	Ack               []string          `json:"ack,omitempty"`
	SetErrs           map[string]SetErr `json:"setErrs,omitempty"`
	MaxEvents         *int              `json:"maxEvents,omitempty"`
	ReturnImmediately bool              `json:"returnImmediately,omitempty"`
}

// SetErr is a receiver's error for a SET it could not accept (RFC 8936
// §2.4.3): the SET is removed from the queue like an acknowledged one.
type SetErr struct {
	Err         string `json:"err"`
	Description string `json:"description,omitempty"`
}

// PollResponse is RFC 8936 §2.5: SETs by jti, and whether more wait.
type PollResponse struct {
	Sets          map[string]string `json:"sets"`
	MoreAvailable bool              `json:"moreAvailable,omitempty"`
}

// Poll acknowledges what the receiver acknowledged (or refused), then
// returns up to maxEvents queued SETs (unacknowledged ones come again in
// the next poll), waiting up to LongPoll for one unless returnImmediately.
// A paused stream returns none; a push stream cannot be polled.
func (t *Transmitter) Poll(ctx context.Context, streamID string, r PollRequest) (*PollResponse, error) {
	n, err := pollSize(r)
	if err != nil {
		return nil, err
	}
	s, err := t.cfg.Store.EventStream(ctx, streamID)
	if err != nil {
		return nil, notFound(err)
	}
	if s.Method != MethodPoll {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "this stream is delivered by push, not poll")
	}
	if err := t.ack(ctx, streamID, r); err != nil {
		return nil, err
	}
	out := &PollResponse{Sets: map[string]string{}}
	if n == 0 || s.Status != StatusEnabled {
		return out, nil
	}
	evs, err := t.waitEvents(ctx, streamID, n+1, !r.ReturnImmediately)
	if err != nil {
		return nil, err
	}
	out.MoreAvailable = len(evs) > n
	for _, e := range evs[:min(n, len(evs))] {
		out.Sets[e.JTI] = e.SET
	}
	return out, nil
}

// pollSize checks the request's bounds and returns how many SETs to send.
func pollSize(r PollRequest) (int, error) {
	if len(r.Ack)+len(r.SetErrs) > maxAcks {
		return 0, tokenmanager.Errorf(tokenmanager.EInvalid, "at most %d acknowledgements per poll", maxAcks)
	}
	if r.MaxEvents == nil {
		return DefaultMaxEvents, nil
	}
	if *r.MaxEvents < 0 {
		return 0, tokenmanager.Errorf(tokenmanager.EInvalid, "maxEvents must not be negative")
	}
	return min(*r.MaxEvents, MaxMaxEvents), nil
}

// ack removes the acknowledged and refused SETs from the queue.
func (t *Transmitter) ack(ctx context.Context, streamID string, r PollRequest) error {
	jtis := append([]string(nil), r.Ack...)
	for jti, e := range r.SetErrs {
		jtis = append(jtis, jti)
		t.cfg.Logger.Warn("shared signals: a receiver refused a SET", "stream", streamID, "jti", jti, "err", e.Err)
	}
	if len(jtis) == 0 {
		return nil
	}
	if err := t.cfg.Store.AckEvents(ctx, streamID, jtis); err != nil {
		return unavailable(err)
	}
	t.metrics.delivered.WithLabelValues("poll").Add(float64(len(r.Ack)))
	return nil
}

// waitEvents returns up to n queued SETs; when there are none and wait is
// set, it waits for one (queued here, or seen by a recheck of the store)
// for up to LongPoll or until ctx ends.
func (t *Transmitter) waitEvents(ctx context.Context, streamID string, n int, wait bool) ([]tokenmanager.QueuedEvent, error) {
	deadline := time.NewTimer(t.cfg.LongPoll)
	defer deadline.Stop()
	tick := time.NewTicker(pollRecheck)
	defer tick.Stop()
	for {
		woken := t.woken()
		evs, err := t.cfg.Store.PendingEvents(ctx, streamID, n)
		if err != nil || len(evs) > 0 || !wait {
			return evs, unavailable(err)
		}
		select {
		case <-woken:
		case <-tick.C:
		case <-deadline.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		}
	}
}
