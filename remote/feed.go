package remote

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/internal/wait"
)

// maxRetryDelay caps the wait between two connections.
const maxRetryDelay = 30 * time.Second

// follow keeps a stream open until ctx ends. After a loss it waits
// RetryDelay (or the server's retry:, 2s when neither is known) and
// doubles the wait after each connection that did not load the set.
func (v *Verifier) follow(ctx context.Context) {
	var backoff, serverRetry time.Duration
	for ctx.Err() == nil {
		caughtUp, retry, err := v.stream(ctx)
		v.setLive(false)
		if ctx.Err() != nil {
			return
		}
		serverRetry = cmp.Or(retry, serverRetry)
		if first := cmp.Or(v.opts.RetryDelay, serverRetry, 2*time.Second); caughtUp || backoff == 0 {
			backoff = first
		} else {
			backoff = min(2*backoff, maxRetryDelay)
		}
		v.opts.Logger.Warn("the cancellation stream was lost; reconnecting", "err", err, "in", backoff)
		if !wait.Sleep(ctx, backoff) {
			return
		}
	}
}

// stream opens one stream and applies its events until it ends; it
// reports whether the set was loaded on it and the retry it asked for.
func (v *Verifier) stream(ctx context.Context) (caughtUp bool, retry time.Duration, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	res, err := v.open(ctx)
	if err != nil {
		return false, 0, err
	}
	defer res.Body.Close()
	watchdog := time.AfterFunc(v.opts.StreamTimeout, func() { cancel(errors.New("the stream was silent too long")) })
	defer watchdog.Stop()
	r := &sseReader{sc: bufio.NewScanner(res.Body)}
	r.sc.Buffer(make([]byte, 4096), maxBody)
	for {
		ev, err := r.next(func() { watchdog.Reset(v.opts.StreamTimeout) })
		if err != nil {
			if c := context.Cause(ctx); c != nil {
				err = c
			}
			return caughtUp, r.retry, err
		}
		if err := v.apply(ev, v.opts.Now()); err != nil {
			return caughtUp, r.retry, err
		}
		caughtUp = caughtUp || ev.typ == tmhttp.EventReady
	}
}

// open connects to GET /events/cancellations with the Token.
func (v *Verifier) open(ctx context.Context) (*http.Response, error) {
	url := v.base + "/events/cancellations?heartbeat=" + heartbeat(v.opts.MaxStaleness).String()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if err := v.authenticate(ctx, req); err != nil {
		return nil, err
	}
	res, err := v.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		return nil, statusError(req, res)
	}
	return res, nil
}

// errStale ends a stream whose server said it is cut off from its store.
var errStale = errors.New("the server is cut off from its store (stale event)")

// apply adds a cancellation to the set, marks the set loaded and live, or
// records the server's last confirmation, from an event received at.
func (v *Verifier) apply(ev sseEvent, at time.Time) error {
	switch ev.typ {
	case tmhttp.EventCancellation:
		var ce tmhttp.CancellationEvent
		if err := json.Unmarshal([]byte(ev.data), &ce); err != nil {
			return fmt.Errorf("remote: a cancellation event is not JSON: %w", err)
		}
		c, err := ce.Cancellation()
		if err != nil {
			return fmt.Errorf("remote: a cancellation event: %w", err)
		}
		v.set.Add(c)
	case tmhttp.EventReady:
		var re tmhttp.ReadyEvent
		if err := json.Unmarshal([]byte(ev.data), &re); err != nil {
			return fmt.Errorf("remote: a ready event is not JSON: %w", err)
		}
		v.confirmed(at, re.ConfirmedAgo)
		v.setLive(true)
	case tmhttp.EventHeartbeat:
		var hb tmhttp.HeartbeatEvent
		if err := json.Unmarshal([]byte(ev.data), &hb); err != nil {
			return fmt.Errorf("remote: a heartbeat event is not JSON: %w", err)
		}
		v.confirmed(at, hb.ConfirmedAgo)
	case tmhttp.EventStale:
		return errStale
	}
	return nil
}

// sseEvent is one Server-Sent Event.
type sseEvent struct{ id, typ, data string }

// sseReader parses a text/event-stream.
type sseReader struct {
	sc    *bufio.Scanner
	retry time.Duration
}

// next returns the next event, calling seen after every line read.
func (r *sseReader) next(seen func()) (sseEvent, error) {
	var ev sseEvent
	var data []string
	for r.sc.Scan() {
		seen()
		line := r.sc.Text()
		if line == "" {
			if data != nil {
				ev.data = strings.Join(data, "\n")
				return ev, nil
			}
			ev = sseEvent{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.typ = value
		case "data":
			data = append(data, value)
		case "id":
			ev.id = value
		case "retry":
			if ms, err := strconv.Atoi(value); err == nil && ms > 0 {
				r.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := r.sc.Err(); err != nil {
		return sseEvent{}, err
	}
	return sseEvent{}, errors.New("the stream ended")
}

// authenticate sets the stream request's credentials: the service
// client's, form-urlencoded then Basic (RFC 6749 §2.3.1), or the Token's
// bearer token.
func (v *Verifier) authenticate(ctx context.Context, req *http.Request) error {
	if v.opts.ClientID != "" {
		req.SetBasicAuth(url.QueryEscape(v.opts.ClientID), url.QueryEscape(v.opts.ClientSecret))
		return nil
	}
	tctx, cancel := context.WithTimeout(ctx, requestTimeout)
	token, err := v.opts.Token(tctx)
	cancel()
	if err != nil {
		return fmt.Errorf("remote: Token: %w", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return nil
}
