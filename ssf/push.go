package ssf

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// Push (RFC 8935) tuning.
const (
	firstBackoff = 250 * time.Millisecond
	pushRescan   = time.Second // for SETs queued by other instances
	pushBatch    = 100         // SETs per stream per round
	scanTimeout  = 10 * time.Second
)

// retry is a push stream's backoff after a failure.
type retry struct {
	at    time.Time     // no attempt before
	delay time.Duration // the last delay, doubled at the next failure
}

// Run pushes the queued SETs of the enabled push streams until ctx ends:
// each is POSTed to the stream's endpoint and removed from the queue once
// the receiver answers 202. A stream whose receiver fails is retried with
// exponential backoff (from 250ms up to MaxBackoff), its SETs kept in
// order. Run it on every instance: a SET may then be pushed twice, which
// RFC 8935 allows (receivers drop duplicates by jti).
func (t *Transmitter) Run(ctx context.Context) {
	backoff := map[string]*retry{}
	for ctx.Err() == nil {
		woken := t.woken()
		next := t.pushAll(ctx, backoff)
		timer := time.NewTimer(next)
		select {
		case <-ctx.Done():
		case <-woken:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// pushAll makes one round over the streams and returns how long to wait
// before the next.
func (t *Transmitter) pushAll(ctx context.Context, backoff map[string]*retry) time.Duration {
	sctx, cancel := context.WithTimeout(ctx, scanTimeout)
	streams, err := t.cfg.Store.EventStreams(sctx)
	cancel()
	if err != nil {
		return pushRescan
	}
	next, now := pushRescan, t.cfg.Now()
	for _, s := range streams {
		if s.Method != MethodPush || s.Status != StatusEnabled {
			continue
		}
		if r := backoff[s.ID]; r != nil && now.Before(r.at) {
			next = min(next, r.at.Sub(now))
			continue
		}
		if t.pushStream(ctx, s) {
			delete(backoff, s.ID)
			continue
		}
		r := backoff[s.ID]
		if r == nil {
			r = &retry{}
			backoff[s.ID] = r
		}
		r.delay = min(max(2*r.delay, firstBackoff), t.cfg.MaxBackoff)
		r.at = t.cfg.Now().Add(r.delay)
		next = min(next, r.delay)
	}
	return next
}

// pushStream pushes the stream's queued SETs in order; it reports false
// at the first that could not be delivered.
func (t *Transmitter) pushStream(ctx context.Context, s *tokenmanager.EventStream) bool {
	evs, err := t.cfg.Store.PendingEvents(ctx, s.ID, pushBatch)
	if err != nil {
		return false
	}
	for _, e := range evs {
		delivered, refused := t.push(ctx, s, e)
		if !delivered && !refused {
			t.metrics.failed.Inc()
			return false
		}
		if err := t.cfg.Store.AckEvents(ctx, s.ID, []string{e.JTI}); err != nil {
			return false
		}
		if refused {
			t.metrics.dropped.Inc()
		} else {
			t.metrics.delivered.WithLabelValues("push").Inc()
		}
	}
	return true
}

// push POSTs one SET. It reports delivered on 202 (RFC 8935 §2.2), and
// refused on 400: the receiver will never take this SET (§2.3), so
// retrying it would hold up every later one.
func (t *Transmitter) push(ctx context.Context, s *tokenmanager.EventStream, e tokenmanager.QueuedEvent) (delivered, refused bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.EndpointURL, strings.NewReader(e.SET))
	if err != nil {
		return false, true
	}
	req.Header.Set("Content-Type", "application/secevent+jwt")
	req.Header.Set("Accept", "application/json")
	if s.AuthorizationHeader != "" {
		req.Header.Set("Authorization", s.AuthorizationHeader)
	}
	res, err := t.cfg.Client.Do(req)
	if err != nil {
		t.cfg.Logger.Debug("shared signals: push failed", "stream", s.ID, "err", err)
		return false, false
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	res.Body.Close()
	switch res.StatusCode {
	case http.StatusAccepted:
		return true, false
	case http.StatusBadRequest:
		t.cfg.Logger.Warn("shared signals: the receiver refused a SET", "stream", s.ID, "jti", e.JTI, "answer", string(body))
		return false, true
	}
	t.cfg.Logger.Debug("shared signals: push failed", "stream", s.ID, "status", res.StatusCode)
	return false, false
}
