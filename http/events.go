package http

import (
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// The event types of GET /events/cancellations.
const (
	// EventCancellation carries a [CancellationEvent]: one entry of the
	// cancelled set, live when the stream opened or made since.
	EventCancellation = "cancellation"
	// EventReady carries a [ReadyEvent]: every entry live when the stream
	// opened has been sent; what follows happens from then on.
	EventReady = "ready"
	// EventHeartbeat carries a [HeartbeatEvent]: this instance vouches that
	// every cancellation its store held ConfirmedAgo before the event was
	// written has been sent on the stream. It comes every ?heartbeat=
	// (5s by default) while the instance's replica is in step.
	EventHeartbeat = "heartbeat"
	// EventStale carries a [HeartbeatEvent]: this instance's replica is
	// cut off from the store (or its last confirmation is older than the
	// instance's --max-staleness), so it stops vouching; the stream ends
	// after it, and a reconnection gets 503 until the replica is back.
	EventStale = "stale"
)

// HeartbeatEvent is the data of an [EventHeartbeat] or an [EventStale].
type HeartbeatEvent struct {
	// ConfirmedAgo is how long before the event was written the server's
	// replica was last confirmed in step with the store, in milliseconds
	// (rounded up). A reader that counts its staleness from (its receipt
	// time - ConfirmedAgo) counts from the server's last confirmation,
	// give or take the event's time in transit.
	ConfirmedAgo int64 `json:"confirmed_ago_ms"`
}

// CancellationEvent is the data of an [EventCancellation]: a
// tokenmanager.Cancellation with its kind by name, so that a client in
// any language can apply it to its own replica of the cancelled set.
type CancellationEvent struct {
	// Kind is "token" (ID is a jti of Issuer), "session" (ID is a
	// session id), "subject" (ID is a subject) or "key" (ID is the kid
	// of a revoked key: every token it signed, whenever issued).
	Kind   string `json:"kind"`
	Issuer string `json:"iss,omitempty"`
	ID     string `json:"id"`
	// Before is the cut-off: matching tokens issued before it are
	// cancelled (for a subject, tokens issued later are valid).
	Before time.Time `json:"before"`
	// ExpiresAt is when every matching token has expired anyway: the
	// entry can be forgotten then.
	ExpiresAt time.Time `json:"expires_at"`
	// Subject is the subject of the matching tokens, when known (optional:
	// absent from older servers and from entries stored without it). A
	// replica may index the entry by it; it never changes what matches.
	Subject string `json:"sub,omitempty"`
}

// NewCancellationEvent returns the event form of c.
func NewCancellationEvent(c tokenmanager.Cancellation) CancellationEvent {
	return CancellationEvent{Kind: c.Kind.String(), Issuer: c.Issuer, ID: c.ID, Before: c.Before, ExpiresAt: c.ExpiresAt, Subject: c.Subject}
}

// Cancellation returns the cancellation e describes, or an EInvalid error
// when it describes none (an unknown kind, no id, no expiry).
func (e CancellationEvent) Cancellation() (tokenmanager.Cancellation, error) {
	k, err := tokenmanager.ParseKind(e.Kind)
	if err != nil {
		return tokenmanager.Cancellation{}, err
	}
	c := tokenmanager.Cancellation{Kind: k, Issuer: e.Issuer, ID: e.ID, Before: e.Before, ExpiresAt: e.ExpiresAt, Subject: e.Subject}
	return c, c.Validate()
}

// ReadyEvent is the data of an [EventReady].
type ReadyEvent struct {
	// Cancellations is how many entries were sent before it.
	Cancellations int `json:"cancellations"`
	// ConfirmedAgo is, as in [HeartbeatEvent], how long before the event
	// the entries sent were read from the store, in milliseconds.
	ConfirmedAgo int64 `json:"confirmed_ago_ms"`
}

// ceilMillis returns d in milliseconds, rounded up: an age reported to a
// reader is never smaller than the truth.
func ceilMillis(d time.Duration) int64 {
	return int64((max(d, 0) + time.Millisecond - 1) / time.Millisecond)
}
