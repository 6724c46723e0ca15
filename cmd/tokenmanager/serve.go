package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/service"
)

// Main is the server program: Open builds and starts everything from a
// Config, Close stops it. main and the end-to-end tests use it the same
// way, so the tests run exactly what users run. Everything that is not
// HTTP or flags (the store, keys, replica, feed, key reloads, sweeps) is
// the service package's: the server is the library plus HTTP.
type Main struct {
	Config *Config
	Logger *slog.Logger

	store    tokenmanager.Store
	svc      atomic.Pointer[service.Service] // nil until started
	metrics  *replicaMetrics
	events   *tmhttp.Hub // GET /events/cancellations, fed by this instance and the feed
	server   *http.Server
	listener net.Listener
	handler  atomic.Pointer[http.Handler]
	admin    *http.Server
	cancel   context.CancelFunc
	done     chan struct{}
	fatal    chan error // a start that can never succeed (serve exits with it)

	stopSSF     func()           // stops the Shared Signals push worker (ssf.go)
	clockOffset prometheus.Gauge // see agree.go
	now         func() time.Time // tests: the machine's clock (nil: time.Now)

	fastArgon bool // tests: cheap password hashing
	// readHeaderTimeout, readTimeout and writeTimeout replace the public
	// server's timeouts when set (tests of slow clients, long streams).
	readHeaderTimeout, readTimeout, writeTimeout time.Duration
}

// Addr returns the address the server listens on (useful with --addr :0).
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Open opens the store and starts serving; it returns once the server
// accepts connections. With the embedded store everything is loaded before
// it listens: there is no window in which it answers 503. With a shared
// store that cannot be reached, the server starts anyway: /healthz answers
// 200, /readyz and every other route 503, and it finishes starting by
// itself once the store answers.
func (m *Main) Open(ctx context.Context) error {
	c := m.Config
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	ln, err := net.Listen("tcp", c.Addr) // connections wait in the backlog until serving starts
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	m.listener = ln
	opts, err := m.options()
	if err != nil {
		return err
	}
	opts.StatusListURL = statusListURL(c, ln.Addr())
	m.store, err = service.OpenStore(ctx, storeURL(c), m.Logger)
	if err != nil {
		return fmt.Errorf("--store: %s", tokenmanager.ErrorMessage(err))
	}
	m.done, m.fatal = make(chan struct{}), make(chan error, 1)
	if c.Store == "" {
		defer close(m.done)
		svc, err := service.New(ctx, m.store, opts)
		if err != nil {
			return err
		}
		m.svc.Store(svc)
		if err := m.serve(); err != nil {
			return err
		}
		if err := m.listen(); err != nil {
			return err
		}
		m.announce()
		return nil
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	if err := m.listen(); err != nil {
		close(m.done)
		return err
	}
	go func() { defer close(m.done); m.startShared(runCtx, opts) }()
	return nil
}

// Fatal delivers the error of a start that can never succeed (a stored key
// of another algorithm than --alg): the server must stop, not retry.
func (m *Main) Fatal() <-chan error { return m.fatal }

// startShared starts the service once the shared store answers (the
// service retries), and puts it in service.
func (m *Main) startShared(ctx context.Context, opts service.Options) {
	svc, err := service.New(ctx, m.store, opts)
	if err == nil {
		m.svc.Store(svc)
		if err = m.serve(); err == nil {
			m.announce()
		}
	}
	if err != nil && ctx.Err() == nil {
		m.Logger.Error("cannot start", "err", err)
		m.fatal <- err
	}
}

// options turns the flags into the service's options.
func (m *Main) options() (service.Options, error) {
	c := m.Config
	secret, err := hs256Secret(c)
	if err != nil {
		return service.Options{}, err
	}
	mode, _ := tokenmanager.ParseCheckMode(c.RevocationCheck)
	cacheMemory, _ := verifyCacheMemory(c.VerifyCache)
	m.events, m.metrics = &tmhttp.Hub{}, newReplicaMetrics()
	return service.Options{
		Issuer: c.Issuer, Audience: list(c.Audience), AccessTTL: c.AccessTTL, RefreshTTL: c.RefreshTTL,
		ReuseGrace: orOff(c.ReuseGrace), Leeway: orOff(c.Leeway), Alg: c.Alg, HS256Secret: secret,
		Check: mode, MaxStaleness: c.MaxStaleness, OnStoreOutage: tokenmanager.OutagePolicy(c.OnStoreOutage),
		KeyRefresh: c.KeyRefresh, SweepEvery: c.SweepEvery, VerifyCacheMemory: cacheMemory,
		Hooks: replicaHooks(m.events, m.metrics), Logger: m.Logger, Now: m.now,
		MaxClockOffset: c.MaxClockOffset, AllowEvictingRedis: c.AllowEvictingRedis,
		Settings: m.agreedSettings(), OnClockOffset: m.clockGauge(),
	}, nil
}

// orOff maps a flag's 0s ("off") to the service's Off (its zero means
// "the default").
func orOff(d time.Duration) time.Duration {
	if d == 0 {
		return service.Off
	}
	return d
}

// statusListURL is where the Token Status Lists are served, as tokens
// name them: under --public-url, else under --issuer when it is an http(s)
// URL, else at the address the server listens on.
func statusListURL(c *Config, addr net.Addr) string {
	return publicBase(c, addr) + "/statuslists/"
}

// storeURL names the store of the flags: --store, or the embedded store in
// --data-dir.
func storeURL(c *Config) string {
	if c.Store != "" {
		return c.Store
	}
	return "bolt:" + filepath.Join(c.DataDir, "tokenmanager.db")
}

// hs256Secret reads --hs256-secret-file (nil when it is not set): the
// file's bytes, trimmed of surrounding white space. One too short for
// HS256 is refused here, before any retry of a shared store.
func hs256Secret(c *Config) ([]byte, error) {
	if c.HS256SecretFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.HS256SecretFile)
	if err != nil {
		return nil, fmt.Errorf("--hs256-secret-file: %w", err)
	}
	b = bytes.TrimSpace(b)
	if _, err := jose.NewHMACKey(b, time.Now()); err != nil {
		return nil, fmt.Errorf("--hs256-secret-file: %s", tokenmanager.ErrorMessage(err))
	}
	return b, nil
}

// listen opens the public listener: with the real handler when serve has
// put it in place, otherwise with one that answers 503 until it does.
func (m *Main) listen() error {
	ln := m.listener
	m.handler.CompareAndSwap(nil, &starting) // until serve puts the real one in place
	m.server = newHTTPServer(withStoreDeadline(m.Config.StoreTimeout, storeFreePaths(m.Config), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*m.handler.Load()).ServeHTTP(w, r)
	})), m.Logger)
	m.server.RegisterOnShutdown(m.events.DropAll) // event streams never end by themselves
	if m.readHeaderTimeout > 0 {
		m.server.ReadHeaderTimeout = m.readHeaderTimeout
	}
	if m.readTimeout > 0 {
		m.server.ReadTimeout = m.readTimeout
	}
	if m.writeTimeout > 0 {
		m.server.WriteTimeout = m.writeTimeout
	}
	go m.server.Serve(ln)
	return nil
}

// withStoreDeadline gives every request but the event streams a context that
// ends after d, so that a store that stops answering (a frozen Redis, a
// link that drops packets) fails the request with 503 instead of holding
// it for the store client's timeouts and retries. The checks of the
// cancelled set never wait on the store; this bounds the routes that
// write or read it. The paths in free never wait on the store (or, like
// the event streams, must outlive d) and skip the deadline's timer.
func withStoreDeadline(d time.Duration, free map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !free[r.URL.Path] && !strings.HasPrefix(r.URL.Path, "/ssf/poll/") { // a long poll waits up to 10s
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// storeFreePaths are the paths that never wait on the store: the event
// streams (the API's and the console's), liveness, metrics, and forward-auth unless the check is strict
// (the replica answers it from memory: no timer per request on the hot
// path).
func storeFreePaths(c *Config) map[string]bool {
	free := map[string]bool{"/events/cancellations": true, "/console/events": true, "/healthz": true, "/metrics": true}
	if c.RevocationCheck != string(tokenmanager.CheckStrict) {
		free["/auth/verify"] = true
	}
	return free
}

// serve puts the real handlers in service and opens the admin socket.
func (m *Main) serve() error {
	c, svc := m.Config, m.svc.Load()
	codec := svc.Codec()
	limit, _ := tokenmanager.ParseLimit(c.SignInLimit)
	userLimit, _ := tokenmanager.ParseLimit(c.SignInUserLimit)
	hashMemory, _ := parseBytes(c.HashMemory)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.metrics.register(reg)
	registerStoreMetrics(reg, m.store)
	if m.clockOffset != nil {
		reg.MustRegister(m.clockOffset)
	}
	srv := &tmhttp.Server{
		Manager: svc.Manager,
		Accounts: tokenmanager.NewAccounts(svc.Store(), tokenmanager.NewLimiter(limit, nil).WithUserLimit(userLimit), m.argon()).
			WithHashBudget(hashMemory, c.HashWait),
		JWKS:              func() any { return codec.JWKS() },
		JWKSMaxAge:        c.JWKSMaxAge,
		SigningAlgs:       codec.SigningAlgs,
		Admins:            canonicalAdmins(c.Admins, m.Logger),
		Logger:            m.Logger,
		Ready:             m.ready,
		Registry:          reg,
		Version:           buildVersion(),
		TrustProxyHeaders: c.TrustProxy,
		AccessLog:         c.AccessLog,
		PublicURL:         c.PublicURL,
		Events:            m.events,
		StatusLists:       svc.Manager.Status,
		SignStatusList:    codec.SignStatusList,
		StatusListTTL:     c.StatusListTTL,
		Clients:           clientStoreOf(m.store),
		SSF:               m.startSSF(svc, reg),
	}
	h := srv.Handler()
	m.handler.Store(&h)
	admin := http.NewServeMux()
	admin.Handle("/", srv.AdminHandler())
	admin.HandleFunc("POST /admin/keys/rotate", m.handleRotate)
	admin.HandleFunc("POST /admin/keys/{kid}/revoke", m.handleRevoke)
	admin.HandleFunc("GET /admin/keys", m.handleKeys)
	admin.HandleFunc("GET /admin/backup", m.handleBackup)
	return m.serveAdmin(admin)
}

// announce logs that the server serves (tests and operators wait for it).
func (m *Main) announce() {
	m.Logger.Info("tokenmanager is listening", "addr", m.Addr(), "store", storeName(m.Config),
		"alg", m.svc.Load().Codec().Alg(), "revocation_check", m.Config.RevocationCheck)
}

// starting answers while the shared store has not been reached yet.
var starting http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/healthz" {
		w.Write([]byte(`{"status":"ok"}`))
		return
	}
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(`{"error":"temporarily_unavailable","error_description":"the server is starting: the token store is unreachable"}`))
})

func (m *Main) argon() tokenmanager.Argon2Params {
	if m.fastArgon {
		return tokenmanager.Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	}
	return tokenmanager.DefaultArgon2
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serveAdmin listens on the operator socket, mode 0600.
func (m *Main) serveAdmin(h http.Handler) error {
	path := m.adminSocket()
	if path == "" {
		return nil
	}
	_ = os.Remove(path) // a stale socket of a crashed server
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("--admin-socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("--admin-socket: %w", err)
	}
	m.admin = newHTTPServer(h, m.Logger)
	m.admin.RegisterOnShutdown(m.events.DropAll)
	go m.admin.Serve(ln)
	return nil
}

func (m *Main) adminSocket() string { return adminSocketPath(m.Config) }

func adminSocketPath(c *Config) string {
	switch c.AdminSocket {
	case "off":
		return ""
	case "":
		return filepath.Join(c.DataDir, "admin.sock")
	}
	return c.AdminSocket
}

// ready is the readiness check: the service has started, its store
// answers and its replica is in step with it.
func (m *Main) ready() error {
	svc := m.svc.Load()
	if svc == nil {
		return errors.New("starting: the store has not answered yet")
	}
	return svc.Ready(context.Background())
}

// Close stops serving (letting requests in flight finish), stops the
// service (the replica, the feed, the key reloads) and closes the store.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.cancel != nil {
		m.cancel() // stops a start that is still retrying
	}
	if m.done != nil {
		<-m.done
	}
	if m.server != nil {
		m.server.Shutdown(ctx)
	} else if m.listener != nil {
		m.listener.Close() // a start that failed before serving
	}
	if m.admin != nil {
		m.admin.Shutdown(ctx)
	}
	if m.stopSSF != nil {
		m.stopSSF()
	}
	if svc := m.svc.Load(); svc != nil {
		svc.Close()
	}
	if m.store != nil {
		return m.store.Close()
	}
	return nil
}

func storeName(c *Config) string {
	if c.Store == "" {
		return "embedded:" + filepath.Join(c.DataDir, "tokenmanager.db")
	}
	if i := strings.Index(c.Store, "://"); i > 0 {
		return c.Store[:i] // never log credentials in the URL
	}
	return "shared"
}

func canonicalAdmins(s string, log *slog.Logger) []string {
	var out []string
	for _, name := range list(s) {
		c, err := tokenmanager.CanonicalUsername(name)
		if err != nil {
			log.Warn("ignoring an invalid --admins name", "name", name, "err", tokenmanager.ErrorMessage(err))
			continue
		}
		out = append(out, c)
	}
	return out
}

func newLogger(c *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
