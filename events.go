package tokenmanager

import (
	"context"
	"time"
)

// EventStream is a Shared Signals (OpenID SSF 1.0) stream: a receiver that
// asked to hear of the security events of this server, by push (RFC 8935)
// or poll (RFC 8936). The ssf package transmits; the stores keep streams
// and their queues so that every instance serves and feeds the same ones.
type EventStream struct {
	ID                  string    `json:"stream_id"`
	Audience            string    `json:"aud"`
	Method              string    `json:"method"` // urn:ietf:rfc:8935 (push) or urn:ietf:rfc:8936 (poll)
	EndpointURL         string    `json:"endpoint_url,omitempty"`
	AuthorizationHeader string    `json:"authorization_header,omitempty"`
	EventsRequested     []string  `json:"events_requested"`
	Description         string    `json:"description,omitempty"`
	Status              string    `json:"status"` // enabled, paused or disabled
	Reason              string    `json:"reason,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
}

// QueuedEvent is a Security Event Token waiting for its receiver.
type QueuedEvent struct {
	JTI string `json:"jti"`
	SET string `json:"set"`
}

// EventStore keeps the event streams and, per stream, the queue of
// Security Event Tokens not yet acknowledged by the receiver.
type EventStore interface {
	// PutEventStream creates or replaces a stream.
	PutEventStream(ctx context.Context, s *EventStream) error
	// EventStream returns a stream, or an ENotFound error.
	EventStream(ctx context.Context, id string) (*EventStream, error)
	// EventStreams returns every stream, oldest first.
	EventStreams(ctx context.Context) ([]*EventStream, error)
	// DeleteEventStream removes a stream and its queue; a missing one is
	// not an error.
	DeleteEventStream(ctx context.Context, id string) error
	// EnqueueEvent appends a SET to the stream's queue, durably, keeping
	// at most max: it drops the oldest beyond that and returns how many.
	EnqueueEvent(ctx context.Context, streamID string, ev QueuedEvent, max int) (int, error)
	// PendingEvents returns up to n queued SETs, oldest first.
	PendingEvents(ctx context.Context, streamID string, n int) ([]QueuedEvent, error)
	// AckEvents removes the SETs with these jti from the queue; unknown
	// ones are ignored.
	AckEvents(ctx context.Context, streamID string, jtis []string) error
}
