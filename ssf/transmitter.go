// Package ssf is the Shared Signals (OpenID SSF 1.0) transmitter of
// TokenManager: it turns cancellations and account changes into Security
// Event Tokens (RFC 8417) with CAEP and RISC events, queues them per
// stream in a tokenmanager.EventStore (so every instance serves the same
// streams and queues), and delivers them by push (RFC 8935) or poll
// (RFC 8936). The HTTP routes are the http package's.
package ssf

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
)

// Delivery methods (SSF 1.0 §7): push and poll.
const (
	MethodPush = "urn:ietf:rfc:8935"
	MethodPoll = "urn:ietf:rfc:8936"
)

// Event types this transmitter emits.
const (
	EventSessionRevoked   = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
	EventCredentialChange = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
	EventAccountDisabled  = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
	EventAccountEnabled   = "https://schemas.openid.net/secevent/risc/event-type/account-enabled"
	EventAccountPurged    = "https://schemas.openid.net/secevent/risc/event-type/account-purged"
	EventVerification     = "https://schemas.openid.net/secevent/ssf/event-type/verification"
)

// EventsSupported are the event types a stream may request; the
// verification event is sent on request whatever a stream asked for.
var EventsSupported = []string{EventSessionRevoked, EventCredentialChange,
	EventAccountDisabled, EventAccountEnabled, EventAccountPurged}

// Defaults of Config.
const (
	DefaultMaxQueue   = 10000
	DefaultMaxBackoff = 30 * time.Second
	DefaultLongPoll   = 10 * time.Second
	MaxStreams        = 100 // streams are cheap but each costs a signature per event
)

// Config is what a Transmitter needs.
type Config struct {
	// Store keeps the streams and their queues. Required.
	Store tokenmanager.EventStore
	// Sessions finds the subject of a cancelled session (OnCancel runs
	// before its record is deleted). Required.
	Sessions interface {
		Session(ctx context.Context, id string) (*tokenmanager.Session, error)
	}
	// Sign signs a SET's claims (jose.Codec.SignSET). Required.
	Sign func(claims map[string]any) (string, error)
	// Issuer is the transmitter's issuer (the iss of every SET and the
	// base of its endpoints), such as https://auth.example.com. Required.
	Issuer string
	// SubjectIssuer is the iss of the iss_sub subjects: the issuer of the
	// users' tokens (Manager's Issuer); Issuer when empty.
	SubjectIssuer string
	// MaxQueue bounds each stream's queue (DefaultMaxQueue when 0): the
	// oldest SETs are dropped beyond it, and counted.
	MaxQueue int
	// MaxBackoff caps the delay between push retries (DefaultMaxBackoff).
	MaxBackoff time.Duration
	// LongPoll is the longest a poll without returnImmediately waits for
	// a SET (DefaultLongPoll).
	LongPoll time.Duration
	// Client pushes the SETs; one with a 5s timeout that follows no
	// redirects when nil.
	Client *http.Client
	// Registry receives the metrics (tokenmanager_ssf_*) when set.
	Registry prometheus.Registerer
	// Logger is slog.Default() when nil.
	Logger *slog.Logger
	// Now is time.Now when nil.
	Now func() time.Time
}

// Transmitter emits, queues and delivers the Shared Signals events. Its
// methods are safe for concurrent use.
type Transmitter struct {
	cfg     Config
	metrics *metrics

	mu   sync.Mutex
	wake chan struct{} // closed (and replaced) when a SET is queued here
}

// New returns a Transmitter; call Run to push.
func New(cfg Config) *Transmitter {
	if cfg.Store == nil || cfg.Sessions == nil || cfg.Sign == nil || cfg.Issuer == "" {
		panic("ssf: Config needs Store, Sessions, Sign and Issuer")
	}
	if cfg.SubjectIssuer == "" {
		cfg.SubjectIssuer = cfg.Issuer
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.LongPoll <= 0 {
		cfg.LongPoll = DefaultLongPoll
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Transmitter{cfg: cfg, metrics: newMetrics(cfg.Registry), wake: make(chan struct{})}
}

// Issuer is the transmitter's issuer: the iss of its SETs.
func (t *Transmitter) Issuer() string { return t.cfg.Issuer }

// signal wakes the push worker and the long polls of this instance.
func (t *Transmitter) signal() {
	t.mu.Lock()
	close(t.wake)
	t.wake = make(chan struct{})
	t.mu.Unlock()
}

// woken returns a channel closed at the next signal.
func (t *Transmitter) woken() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.wake
}
