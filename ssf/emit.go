package ssf

import (
	"context"
	"slices"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// hookTimeout bounds the store work of one event: the hooks have no
// deadline of their own.
const hookTimeout = 5 * time.Second

// OnCancel turns an acknowledged cancellation into events: a CAEP
// session-revoked for a session (its user looked up while its record is
// still there) or for a user (every session); a single access token's
// cancellation has no standard event. Chain it into Manager.OnCancel: it
// is called once, by the instance that made the cancellation.
func (t *Transmitter) OnCancel(c tokenmanager.Cancellation) {
	ctx, cancel := context.WithTimeout(context.Background(), hookTimeout)
	defer cancel()
	var sub map[string]any
	var reason string
	switch c.Kind {
	case tokenmanager.KindSession:
		user := ""
		if s, err := t.cfg.Sessions.Session(ctx, c.ID); err == nil {
			user = s.Subject
		}
		sub, reason = t.sessionSubject(user, c.ID), reasonSession
	case tokenmanager.KindSubject:
		sub, reason = t.userSubject(c.ID), reasonSubject
	default:
		return
	}
	t.emit(ctx, event{typ: EventSessionRevoked, subject: sub, payload: t.stamp(adminReason(reason, nil))})
}

// OnAccountChange turns an account change into its event: CAEP
// credential-change for a new password, RISC account-disabled,
// account-enabled and account-purged. Set it as Accounts.OnChange.
func (t *Transmitter) OnAccountChange(ctx context.Context, ch tokenmanager.AccountChange) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hookTimeout)
	defer cancel()
	ev := event{subject: t.userSubject(ch.Username), payload: t.stamp(nil)}
	switch ch.Kind {
	case tokenmanager.AccountPasswordChanged:
		ev.typ = EventCredentialChange
		ev.payload = t.stamp(adminReason(reasonPassword, map[string]any{"credential_type": "password", "change_type": "update"}))
	case tokenmanager.AccountDisabled:
		ev.typ = EventAccountDisabled
	case tokenmanager.AccountEnabled:
		ev.typ = EventAccountEnabled
	case tokenmanager.AccountDeleted:
		ev.typ = EventAccountPurged
	default:
		return
	}
	t.emit(ctx, ev)
}

// The reason_admin of the CAEP events, which the CAEP interoperability
// profile requires.
const (
	reasonSession  = "the session was cancelled (sign-out, a device ended, or a refresh token reused)"
	reasonSubject  = "every session of the user was cancelled (an admin's cancel, disable or delete)"
	reasonPassword = "the user changed their password"
)

// adminReason adds reason_admin (CAEP 1.0 §2: by language tag) to p.
func adminReason(reason string, p map[string]any) map[string]any {
	if p == nil {
		p = map[string]any{}
	}
	p["reason_admin"] = map[string]string{"en": reason}
	return p
}

// stamp adds event_timestamp (now, Unix seconds) to an event's payload.
func (t *Transmitter) stamp(p map[string]any) map[string]any {
	if p == nil {
		p = map[string]any{}
	}
	p["event_timestamp"] = t.cfg.Now().Unix()
	return p
}

// emit queues ev for every stream that is not disabled and asked for its
// type. Failures are logged: the cancellation or change is made already.
func (t *Transmitter) emit(ctx context.Context, ev event) {
	streams, err := t.cfg.Store.EventStreams(ctx)
	if err != nil {
		t.cfg.Logger.Error("shared signals: cannot list the streams; event lost", "event", ev.typ, "err", err)
		return
	}
	for _, s := range streams {
		if s.Status != StatusDisabled && slices.Contains(delivered(s.EventsRequested), ev.typ) {
			t.enqueue(ctx, s, ev)
		}
	}
}

// enqueue signs ev for the stream and queues it.
func (t *Transmitter) enqueue(ctx context.Context, s *tokenmanager.EventStream, ev event) error {
	qe, err := t.sign(s, ev)
	if err != nil {
		t.cfg.Logger.Error("shared signals: cannot sign an event", "event", ev.typ, "stream", s.ID, "err", err)
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot sign the event")
	}
	dropped, err := t.cfg.Store.EnqueueEvent(ctx, s.ID, qe, t.cfg.MaxQueue)
	if err != nil {
		t.cfg.Logger.Error("shared signals: cannot queue an event", "event", ev.typ, "stream", s.ID, "err", err)
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "cannot queue the event")
	}
	t.metrics.queued.WithLabelValues(ev.typ).Inc()
	if dropped > 0 {
		t.metrics.dropped.Add(float64(dropped))
		t.cfg.Logger.Warn("shared signals: a stream's queue is full; oldest events dropped", "stream", s.ID, "dropped", dropped)
	}
	t.signal()
	return nil
}

// Verify queues a verification event (SSF 1.0 §8.1.4) with the receiver's
// state for the stream, whatever events it requested.
func (t *Transmitter) Verify(ctx context.Context, streamID, state string) error {
	s, err := t.cfg.Store.EventStream(ctx, streamID)
	if err != nil {
		return notFound(err)
	}
	p := map[string]any{}
	if state != "" {
		p["state"] = state
	}
	return t.enqueue(ctx, s, event{typ: EventVerification, subject: streamSubject(streamID), payload: p})
}
