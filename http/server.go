package http

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/ssf"
)

// Server is the HTTP server of TokenManager: every route of the HTTP
// contract on Handler, and the operator API on AdminHandler. Set the
// fields, then call Handler and AdminHandler; the fields must not change
// after the first call.
type Server struct {
	// Manager issues, verifies, refreshes and cancels tokens. Required.
	Manager *tokenmanager.Manager
	// Accounts signs users up and in. When nil, the account routes
	// (sign-up, sign-in, account) are not served: the server then only
	// manages tokens a library issued for its own users.
	Accounts *tokenmanager.Accounts
	// JWKS returns the public key set (jose.Codec.JWKS, for example) for
	// GET /.well-known/jwks.json; when nil the route is not served.
	JWKS func() any
	// JWKSMaxAge is how long verifiers may cache the JWKS (its
	// Cache-Control max-age); tokenmanager.DefaultJWKSMaxAge when 0. A
	// staged key rotation waits as long before the new key signs.
	JWKSMaxAge time.Duration
	// SigningAlgs lists the algorithms of the published keys
	// (jose.Codec.SigningAlgs) for the discovery documents'
	// id_token_signing_alg_values_supported; when nil it is left out.
	SigningAlgs func() []string
	// Admins are the usernames that may call the admin and OAuth
	// introspection routes. They are compared in canonical form
	// (tokenmanager.CanonicalUsername), so "Alice" is admin alice.
	Admins []string
	// Logger receives the access log and the causes of 5xx answers;
	// slog.Default() when nil.
	Logger *slog.Logger
	// AccessLog logs every request at info level; by default successes
	// are logged at debug level and only refusals and errors at info.
	AccessLog bool
	// Ready reports whether the instance should receive traffic, for
	// GET /readyz; its error message is shown there. When nil, the
	// replica of the cancelled set must be loaded and live.
	Ready func() error
	// Registry receives the metrics and is served on GET /metrics; when
	// nil a private registry (with the Go and process collectors) is used.
	Registry *prometheus.Registry
	// MaxBodyBytes bounds every request body; DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
	// Version is shown by GET /healthz and GET /admin/status.
	Version string
	// TrustProxyHeaders takes the client address from the last
	// X-Forwarded-For entry (the one the proxy in front added) instead
	// of the connection's peer. Turn it on only behind exactly one
	// trusted proxy that sets the header: otherwise clients choose their
	// own address, and with it their sign-in rate limit.
	TrustProxyHeaders bool
	// PublicURL is the server's address as clients reach it
	// ("https://auth.example.com"), used for the URLs of the discovery
	// documents. When empty they are built from each request's Host
	// (and X-Forwarded-Proto with TrustProxyHeaders), which a client
	// chooses: set it in production.
	PublicURL string
	// Events receives every cancellation for GET /events/cancellations.
	// When nil the Server makes one fed by Manager.OnCancel, which sees
	// this instance's cancellations only; with a shared store, also feed
	// it from the replica's hooks (Applied and Missed: Publish) so
	// that other instances' cancellations reach it too.
	Events *Hub
	// Clients keeps the service clients that may call the OAuth routes
	// and the event stream with their own credentials (client_secret_basic
	// or client_secret_post) within their scopes. When nil, only admins'
	// bearer tokens are accepted there.
	Clients tokenmanager.ClientStore
	// StatusLists serves GET /statuslists/{id}: the Token Status Lists
	// that the Manager's tokens point at (Manager.Status), signed by
	// SignStatusList (jose.Codec.SignStatusList) and cacheable for
	// StatusListTTL (DefaultStatusListTTL when 0). Not served when nil.
	StatusLists    *tokenmanager.StatusLists
	SignStatusList func(sub string, iat, exp time.Time, ttl time.Duration, bits int, lst string) (string, error)
	StatusListTTL  time.Duration
	// SSF is the Shared Signals transmitter: when set, the Server serves
	// its routes (routes_ssf.go) and feeds it every cancellation this
	// instance makes (Manager.OnCancel) and every account change
	// (Accounts.OnChange).
	SSF *ssf.Transmitter

	statusCache sync.Map // list id -> *compressedList (routes_status.go)

	once     sync.Once
	admins   map[string]bool
	metrics  *metrics
	public   http.Handler
	operator http.Handler
}

// Handler returns the public API: every route of the HTTP contract, with
// request ids, an access log, metrics, JSON 404 and 405 answers and a last
// resort against panics. On first use it also chains a cancellation
// counter into Manager.OnCancel (keeping any hook already there).
func (s *Server) Handler() http.Handler {
	s.once.Do(s.init)
	return s.public
}

// AdminHandler returns the operator API, for a Unix socket that only the
// operator can open (mode 0600): it has no bearer authentication of its
// own, the socket's file mode is the authentication. Never serve it on a
// TCP port.
func (s *Server) AdminHandler() http.Handler {
	s.once.Do(s.init)
	return s.operator
}

// init fills in the defaults and builds both handlers.
func (s *Server) init() {
	if s.Manager == nil {
		panic("tokenmanager/http: Server.Manager is nil")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.MaxBodyBytes <= 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s.admins = canonicalSet(s.Admins, s.Logger)
	s.metrics = newMetrics(s.Registry, s.Manager.Replica(), s.Logger)
	s.metrics.registerAccounts(s.Accounts)
	s.metrics.registerVerifyCache(s.Manager)
	if s.Events == nil {
		s.Events = &Hub{}
	}
	s.countCancellations()
	s.chainSSF()
	s.admitRefreshes()
	s.public = recoverPanics(s.fastForwardAuth(s.build("", s.publicRoutes(), s.pages())))
	s.operator = s.build("socket ", s.operatorRoutes(), nil)
}

// pages are the public handler's HTML pages, beside the API routes (and
// not in Routes: they are for people, not described in the OpenAPI
// document): the web console, when the Server has accounts.
func (s *Server) pages() map[string]http.Handler {
	if s.Accounts == nil {
		return nil
	}
	return map[string]http.Handler{consolePrefix: s.console()}
}

// canonicalSet returns the canonical forms of names, logging (and
// skipping) those that cannot be usernames.
func canonicalSet(names []string, log *slog.Logger) map[string]bool {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		c, err := tokenmanager.CanonicalUsername(n)
		if err != nil {
			log.Warn("ignoring an admin name that cannot be a username", "name", n, "err", err)
			continue
		}
		set[c] = true
	}
	return set
}

// countCancellations chains the cancellation counter and the events hub
// into the Manager's hook, so every cancellation is counted and published
// whatever route made it.
func (s *Server) countCancellations() {
	prev := s.Manager.OnCancel
	s.Manager.OnCancel = func(c tokenmanager.Cancellation) {
		if prev != nil {
			prev(c)
		}
		s.metrics.cancel(c.Kind)
		s.Events.Publish(c)
	}
}

// build serves routes on a mux, wrapped in the middleware every request
// gets: request id and access log outermost, then panic recovery, then
// the JSON answers for unmatched routes. label prefixes the route label of
// the metrics, so the two handlers' routes are told apart.
func (s *Server) build(label string, routes []route, pages map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.pattern, s.guard(rt.access, rt.fn))
	}
	for prefix, h := range pages {
		mux.Handle(prefix, h)
	}
	return s.observe(label, recoverPanics(crossOrigin(dispatch(mux), s.PublicURL)))
}
