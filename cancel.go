package tokenmanager

import (
	"context"
	"fmt"
	"time"
)

// Kind says what a Cancellation cancels.
type Kind uint8

// The kinds of cancellation.
const (
	KindToken   Kind = 't' // one access token, by issuer and jti
	KindSession Kind = 's' // one session: its refresh token and its access tokens
	KindSubject Kind = 'u' // every token of a subject issued before the cut-off
	// KindKey is every token signed by one key (by kid), whenever issued:
	// a revoked (leaked) key. It rides the cancelled set so that every
	// instance refuses the key's tokens within the propagation bound,
	// cached verifications included.
	KindKey Kind = 'k'
)

// String returns the kind's name, as used in logs, metrics and the API.
func (k Kind) String() string {
	switch k {
	case KindToken:
		return "token"
	case KindSession:
		return "session"
	case KindSubject:
		return "subject"
	case KindKey:
		return "key"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "token":
		return KindToken, nil
	case "session":
		return KindSession, nil
	case "subject":
		return KindSubject, nil
	case "key":
		return KindKey, nil
	}
	return 0, Errorf(EInvalid, "unknown cancellation kind %q", s)
}

// Cancellation is one entry of the cancelled set. It names a token's
// identity, never its text: ID is the jti for KindToken (with Issuer), the
// session id for KindSession and the subject for KindSubject (Issuer is
// used for KindToken only; ID is the kid for KindKey). Tokens of the entry issued before Before are
// refused; Before and ExpiresAt count in whole milliseconds. ExpiresAt is when every token it
// can match would have expired anyway: after it the entry is swept.
type Cancellation struct {
	Kind      Kind      `json:"kind"`
	Issuer    string    `json:"iss,omitempty"`
	ID        string    `json:"id"`
	Before    time.Time `json:"before"`
	ExpiresAt time.Time `json:"expires_at"`
	// Subject is the subject of the tokens the entry cancels, when known:
	// the replica's filter places every entry by it, so that a check reads
	// one place for a token's jti, session and subject together. It is
	// optional (entries without it, such as those stored by older
	// versions, still work, only slower to check); for KindSubject it is
	// the ID itself, and KindKey has none. It is not part of the identity
	// (Key).
	Subject string `json:"sub,omitempty"`
}

// Key returns the cancellation's identity as a string, the same for every
// cancellation of the same token, session or subject. Stores key entries by
// it, so cancelling twice keeps one entry.
func (c Cancellation) Key() string {
	if c.Kind == KindToken {
		return string(c.Kind) + ":" + c.Issuer + "\x00" + c.ID
	}
	return string(c.Kind) + ":" + c.ID
}

// Expired reports whether the entry can be swept.
func (c Cancellation) Expired(now time.Time) bool { return !now.Before(c.ExpiresAt) }

// Validate reports what is wrong with a cancellation before it is stored.
func (c Cancellation) Validate() error {
	switch {
	case c.Kind != KindToken && c.Kind != KindSession && c.Kind != KindSubject && c.Kind != KindKey:
		return Errorf(EInvalid, "cancellation has an unknown kind")
	case c.ID == "":
		return Errorf(EInvalid, "cancellation has no id")
	case c.ExpiresAt.IsZero():
		return Errorf(EInvalid, "cancellation has no expiry")
	}
	return nil
}

// Merge returns the union of two cancellations of the same key: the later
// cut-off and the later expiry, so that cancelling again never shortens an
// earlier cancellation.
func (c Cancellation) Merge(o Cancellation) Cancellation {
	if o.Before.After(c.Before) {
		c.Before = o.Before
	}
	if o.ExpiresAt.After(c.ExpiresAt) {
		c.ExpiresAt = o.ExpiresAt
	}
	if c.Subject == "" {
		c.Subject = o.Subject
	}
	return c
}

// PlaceSubject is the subject an entry is placed by in the replica's
// filter: Subject, or the ID of a KindSubject entry; "" when unknown (and
// always for KindKey).
func (c Cancellation) PlaceSubject() string {
	switch c.Kind {
	case KindSubject:
		return c.ID
	case KindKey:
		return ""
	}
	return c.Subject
}

// CancellationStore keeps the cancelled set durably.
type CancellationStore interface {
	// Cancel stores c, merged with any entry of the same key, and returns
	// only once it is durable: a cancellation that Cancel acknowledged
	// survives a crash of the process and of the store. When that cannot
	// be promised it fails with EUnavailable.
	Cancel(ctx context.Context, c Cancellation) error
	// Cancellations returns every entry that has not expired at now.
	Cancellations(ctx context.Context, now time.Time) ([]Cancellation, error)
	// IsCancelled asks the store (not a replica) whether a token with
	// these claims is cancelled. It is the strict check mode.
	IsCancelled(ctx context.Context, c *Claims) (bool, error)
	// Sweep removes the entries that expired before now and returns how
	// many it removed. Stores with native expiry may return 0.
	Sweep(ctx context.Context, now time.Time) (int, error)
}

// Feed is implemented by stores that are shared between instances, so that
// every instance hears of the cancellations the others make.
type Feed interface {
	// Watch delivers to h, until ctx ends, every cancellation made by any
	// instance. It reconnects by itself and returns only when ctx ends.
	Watch(ctx context.Context, h FeedHandler) error
}

// FeedHandler receives what a Feed observes. The Replica implements it.
type FeedHandler interface {
	// Apply is called for every cancellation any instance made.
	Apply(c Cancellation)
	// Live is called with true once the feed is connected and caught up
	// (after any resync), and with false as soon as it is cut off.
	Live(ok bool)
	// Resync is called when the feed cannot prove it missed nothing (a
	// reconnect after a gap, a trimmed stream): the handler reloads the
	// whole set from the store before the feed reports Live(true).
	Resync(ctx context.Context) error
}

// Store is everything the server keeps: the embedded store and the Redis
// store implement it, and one test suite (storetest) checks both.
type Store interface {
	AccountStore
	SessionStore
	CancellationStore
	KeyStore
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}
