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
)

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
}

// NewCancellationEvent returns the event form of c.
func NewCancellationEvent(c tokenmanager.Cancellation) CancellationEvent {
	return CancellationEvent{Kind: c.Kind.String(), Issuer: c.Issuer, ID: c.ID, Before: c.Before, ExpiresAt: c.ExpiresAt}
}

// Cancellation returns the cancellation e describes, or an EInvalid error
// when it describes none (an unknown kind, no id, no expiry).
func (e CancellationEvent) Cancellation() (tokenmanager.Cancellation, error) {
	k, err := tokenmanager.ParseKind(e.Kind)
	if err != nil {
		return tokenmanager.Cancellation{}, err
	}
	c := tokenmanager.Cancellation{Kind: k, Issuer: e.Issuer, ID: e.ID, Before: e.Before, ExpiresAt: e.ExpiresAt}
	return c, c.Validate()
}

// ReadyEvent is the data of an [EventReady].
type ReadyEvent struct {
	// Cancellations is how many entries were sent before it.
	Cancellations int `json:"cancellations"`
}
