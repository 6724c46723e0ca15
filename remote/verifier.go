// Package remote verifies TokenManager access tokens in another Go
// service that knows only the server's URL: it fetches the public keys
// from GET /.well-known/jwks.json and keeps its own replica of the
// cancelled set, fed by the server's GET /events/cancellations stream. A
// check costs no network round trip, like the server's own.
//
//	v, err := remote.New(ctx, "https://auth.example.com", remote.Options{
//		Issuer: "https://auth.example.com",
//		Token:  remote.PasswordToken(nil, "https://auth.example.com", "gateway", secret),
//	})
//	mux.Handle("/api/", tmhttp.Authenticate(v)(api))
package remote

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
)

// Options configures a Verifier. Token, or ClientID and ClientSecret, are
// required.
type Options struct {
	// Issuer and Audience are required of every token, as the server's
	// --issuer and --audience: without them a token of any other service
	// that shares the keys would pass.
	Issuer   string
	Audience []string
	// Leeway tolerates clock skew with the server on exp, nbf and iat.
	Leeway time.Duration
	// Token returns the bearer token sent when the event stream opens: an
	// access token of a user listed in the server's --admins (see
	// PasswordToken). It is called before every connection. A Token that
	// returns "" sends none, for a Client dialing the server's admin
	// socket.
	Token func(ctx context.Context) (string, error)
	// ClientID and ClientSecret are a service client's credentials
	// (`tokenmanager clients add NAME --scope events`), sent with
	// client_secret_basic instead of a Token: no admin account, no
	// password, and nothing but the event stream is opened to it.
	ClientID, ClientSecret string
	// Client sends every request; a client without a timeout when nil
	// (the stream lives long; each other request has its own deadline).
	Client *http.Client
	// MinKeyRefresh is the least time between two fetches of the key set
	// caused by tokens with an unknown kid (10s when 0): a flood of forged
	// kids cannot turn into a flood of requests to the server.
	MinKeyRefresh time.Duration
	// KeysMaxAge is how often the key set is fetched anyway (5m when 0),
	// so that a key the server withdrew stops verifying here too.
	KeysMaxAge time.Duration
	// MaxStaleness is how long Verify keeps answering from the local set
	// after the server's last confirmation that its own replica was in
	// step with its store (10s when 0), as the server reports it in the
	// stream's heartbeats: a server cut off from its store, or a lost
	// stream, makes Verify fail closed with EUnavailable MaxStaleness after
	// that confirmation, not after the loss was noticed. The stream is
	// asked for a heartbeat every MaxStaleness/4.
	MaxStaleness time.Duration
	// StreamTimeout reconnects a stream that was silent for longer (three
	// heartbeats, at least a second, when 0; never less): a dead
	// connection is told from a quiet one, and replaced before long after
	// MaxStaleness has made Verify fail closed.
	StreamTimeout time.Duration
	// RetryDelay is the first wait before reconnecting (the server's
	// retry: field when 0); it doubles on each failure, up to 30s.
	RetryDelay time.Duration
	// StatusList checks each token's entry in its Token Status List
	// instead of following the event stream (statuslist.go): no
	// credentials needed, cancellations learnt up to the list's ttl late.
	StatusList bool
	// Logger receives the losses and recoveries of the stream.
	Logger *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
}

// Verifier verifies access tokens with the server's public keys and its
// own replica of the cancelled set. It implements the http package's
// Verifier, so the middleware takes it in place of a Manager.
type Verifier struct {
	base string
	opts Options
	keys *jose.Verifier
	set  *tokenmanager.CancelledSet

	ready  atomic.Bool // the set was loaded once
	live   atomic.Bool // the stream is open and caught up
	fresh  tokenmanager.Freshness
	loaded chan struct{}
	once   sync.Once

	fetchMu    sync.Mutex
	kidFetchAt time.Time // the last fetch for an unknown kid

	status statusLists // the Token Status Lists, with Options.StatusList

	stop context.CancelFunc
	done chan struct{}
}

var _ tokenmanager.Verifier = (*Verifier)(nil)

// New fetches the key set of the server at baseURL, opens the event
// stream and returns once the cancelled set is loaded; ctx bounds only
// this start. The Verifier then keeps itself in step until Close.
func New(ctx context.Context, baseURL string, opts Options) (*Verifier, error) {
	if opts.Token == nil && opts.ClientID == "" && !opts.StatusList {
		return nil, errors.New("remote: Options.Token or ClientID is required (the event stream is for admins and service clients), or StatusList")
	}
	v := &Verifier{base: strings.TrimRight(baseURL, "/"), opts: withDefaults(opts),
		set: tokenmanager.NewCancelledSet(), loaded: make(chan struct{}), done: make(chan struct{})}
	v.fresh.Init(v.opts.MaxStaleness, v.opts.Now)
	if err := v.loadKeys(ctx); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	v.stop = stop
	if opts.StatusList { // no stream to follow: only the keys to keep fresh
		v.setLive(true)
		go func() { defer close(v.done); v.maintain(runCtx) }()
		return v, nil
	}
	go v.run(runCtx)
	select {
	case <-v.loaded:
		return v, nil
	case <-ctx.Done():
		v.Close()
		return nil, errors.New("remote: the cancelled set did not load: " + context.Cause(ctx).Error())
	}
}

func withDefaults(o Options) Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinKeyRefresh, 10*time.Second)
	def(&o.KeysMaxAge, 5*time.Minute)
	def(&o.MaxStaleness, 10*time.Second)
	o.StreamTimeout = max(o.StreamTimeout, 3*heartbeat(o.MaxStaleness), time.Second)
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Verify checks raw's signature and claims with the server's keys, then
// the local cancelled set. Refusals are EInvalidToken errors, as the
// Manager's; a set that is not loaded, or stale beyond MaxStaleness, is
// EUnavailable (the middleware answers 503).
func (v *Verifier) Verify(ctx context.Context, raw string) (*tokenmanager.Claims, error) {
	c, err := v.parse(ctx, raw)
	if err != nil {
		return nil, err
	}
	if v.opts.StatusList {
		if err := v.checkStatus(ctx, c); err != nil {
			return nil, err
		}
		return c, nil
	}
	if err := v.usable(); err != nil {
		return nil, err
	}
	if kind, ok := v.set.Check(c); ok {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalidToken, "the token has been cancelled (%s)", kind)
	}
	return c, nil
}

// heartbeat is the interval of heartbeats a Verifier asks the server for:
// a quarter of its MaxStaleness, so that a healthy server never lets its
// last confirmation grow older than the bound.
func heartbeat(maxStaleness time.Duration) time.Duration { return maxStaleness / 4 }

// Ready reports whether the set is loaded, the stream is live and the
// server's last confirmation is within MaxStaleness (with StatusList:
// whether the keys are loaded).
func (v *Verifier) Ready() bool {
	return v.ready.Load() && v.live.Load() && (v.opts.StatusList || v.fresh.Within())
}

// Close stops following the server.
func (v *Verifier) Close() error {
	v.stop()
	<-v.done
	return nil
}

// usable says whether the local set may answer: loaded, and the server's
// last confirmation is at most MaxStaleness old (one atomic load while
// heartbeats keep coming).
func (v *Verifier) usable() error {
	if !v.ready.Load() {
		return tokenmanager.Errorf(tokenmanager.EUnavailable, "the cancelled set is not loaded yet")
	}
	if v.fresh.Within() {
		return nil
	}
	return tokenmanager.Errorf(tokenmanager.EUnavailable, "the server has not confirmed its cancelled set recently; cannot check for cancellations")
}

// setLive records that the stream is caught up (ok) or lost.
func (v *Verifier) setLive(ok bool) {
	if ok {
		v.ready.Store(true)
		v.once.Do(func() { close(v.loaded) })
	}
	v.live.Store(ok)
}

// confirmed records the server's word, in an event received at, that it
// held every cancellation of its store ago before it wrote the event.
func (v *Verifier) confirmed(at time.Time, agoMillis int64) {
	v.fresh.Confirm(at.Add(-time.Duration(max(agoMillis, 0)) * time.Millisecond))
}

// run follows the stream and refreshes the keys until ctx ends.
func (v *Verifier) run(ctx context.Context) {
	defer close(v.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { v.maintain(ctx) })
	v.follow(ctx)
}

// maintain sweeps expired entries and fetches the keys every KeysMaxAge.
func (v *Verifier) maintain(ctx context.Context) {
	sweep, keys := time.NewTicker(time.Minute), time.NewTicker(v.opts.KeysMaxAge)
	defer sweep.Stop()
	defer keys.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			v.set.Sweep(v.opts.Now())
		case <-keys.C:
			if err := v.loadKeys(ctx); err != nil && ctx.Err() == nil {
				v.opts.Logger.Warn("cannot refresh the token server's keys", "err", err)
			}
		}
	}
}
