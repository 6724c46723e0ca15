package ssf

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
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

// Run pushes the queued SETs of the enabled push streams until ctx ends:
// each is POSTed to the stream's endpoint and removed from the queue once
// the receiver answers 202. Each stream has its own goroutine, so a slow
// or failing receiver holds up no other; one whose receiver fails is
// retried with exponential backoff (from 250ms up to MaxBackoff), its
// SETs kept in order. Run it on every instance: a SET may then be pushed
// twice, which RFC 8935 allows (receivers drop duplicates by jti).
func (t *Transmitter) Run(ctx context.Context) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		running = map[string]bool{}
	)
	defer wg.Wait()
	for ctx.Err() == nil {
		woken := t.woken()
		for _, id := range t.pushStreams(ctx) {
			mu.Lock()
			if !running[id] {
				running[id] = true
				wg.Go(func() {
					t.pushLoop(ctx, id)
					mu.Lock()
					delete(running, id)
					mu.Unlock()
				})
			}
			mu.Unlock()
		}
		sleep(ctx, woken, pushRescan)
	}
}

// pushStreams lists the ids of the enabled push streams.
func (t *Transmitter) pushStreams(ctx context.Context) []string {
	sctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	streams, err := t.cfg.Store.EventStreams(sctx)
	if err != nil {
		return nil
	}
	var ids []string
	for _, s := range streams {
		if pushable(s) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func pushable(s *tokenmanager.EventStream) bool {
	return s.Method == MethodPush && s.Status == StatusEnabled
}

// pushLoop delivers one stream's SETs until ctx ends or the stream is
// deleted, paused, disabled or turned to poll. It reads the stream again
// each time, so a new endpoint or header applies at once.
func (t *Transmitter) pushLoop(ctx context.Context, id string) {
	var delay time.Duration
	for ctx.Err() == nil {
		woken := t.woken()
		s, err := t.cfg.Store.EventStream(ctx, id)
		if err == nil && !pushable(s) || tokenmanager.ErrorCode(err) == tokenmanager.ENotFound {
			return
		}
		if err == nil {
			if ok, full := t.pushStream(ctx, s); ok {
				delay = 0
				if !full { // a full batch: more may wait
					sleep(ctx, woken, pushRescan)
				}
				continue
			}
		}
		delay = min(max(2*delay, firstBackoff), t.cfg.MaxBackoff)
		sleep(ctx, nil, delay) // new SETs do not cut a backoff short
	}
}

// sleep waits for d, ctx's end, or woken (when not nil).
func sleep(ctx context.Context, woken <-chan struct{}, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-woken:
	case <-timer.C:
	}
}

// pushStream pushes up to pushBatch of the stream's queued SETs in order;
// it reports ok false at the first that could not be delivered, and full
// when it pushed a whole batch.
func (t *Transmitter) pushStream(ctx context.Context, s *tokenmanager.EventStream) (ok, full bool) {
	evs, err := t.cfg.Store.PendingEvents(ctx, s.ID, pushBatch)
	if err != nil {
		return false, false
	}
	for _, e := range evs {
		delivered, refused := t.push(ctx, s, e)
		if !delivered && !refused {
			t.metrics.failed.Inc()
			return false, false
		}
		if err := t.cfg.Store.AckEvents(ctx, s.ID, []string{e.JTI}); err != nil {
			return false, false
		}
		if refused {
			t.metrics.dropped.Inc()
		} else {
			t.metrics.delivered.WithLabelValues("push").Inc()
		}
	}
	return true, len(evs) == pushBatch
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
