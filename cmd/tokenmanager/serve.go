package main

import (
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
	"github.com/tokenmanager/tokenmanager/bolt"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/internal/wait"
	"github.com/tokenmanager/tokenmanager/jose"
)

// Main is the server program: Open builds and starts everything from a
// Config, Close stops it. main and the end-to-end tests use it the same
// way, so the tests run exactly what users run.
type Main struct {
	Config *Config
	Logger *slog.Logger

	store    tokenmanager.Store
	feed     tokenmanager.Feed
	codec    *jose.Codec
	keys     *keyReloader
	metrics  *replicaMetrics
	replica  *tokenmanager.Replica
	manager  *tokenmanager.Manager
	server   *http.Server
	listener net.Listener
	handler  atomic.Pointer[http.Handler]
	admin    *http.Server
	events   *tmhttp.Hub // GET /events/cancellations, fed by this instance and the feed
	cancel   context.CancelFunc
	done     chan struct{}

	fastArgon bool // tests: cheap password hashing
	// readHeaderTimeout, readTimeout and writeTimeout replace the public
	// server's timeouts when set (tests of slow clients, long streams).
	readHeaderTimeout, readTimeout, writeTimeout time.Duration
}

// Addr returns the address the server listens on (useful with --addr :0).
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Open opens the store and starts serving; it returns once the server
// accepts connections. With the embedded store everything is loaded before
// it returns. With a shared store that cannot be reached, the server
// starts anyway: /healthz answers 200, /readyz and every other route 503,
// and it finishes starting by itself once the store answers.
func (m *Main) Open(ctx context.Context) error {
	c := m.Config
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	if _, err := hs256Key(c); err != nil { // fail now, not in the retries of a shared store
		return err
	}
	store, feed, err := openStore(ctx, c, m.Logger)
	if err != nil {
		return err
	}
	m.store, m.feed = store, feed
	if err := refuseNewerFormat(ctx, store); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel, m.done = cancel, make(chan struct{})
	if err := m.listen(); err != nil {
		close(m.done)
		return err
	}
	if feed == nil {
		if err := m.start(ctx); err != nil {
			close(m.done)
			return err
		}
		go func() {
			defer close(m.done)
			go m.watchKeys(runCtx)
			m.replica.Run(runCtx, m.store.Ping)
		}()
		return nil
	}
	go func() { defer close(m.done); m.startShared(runCtx) }()
	return nil
}

// startShared retries start until the shared store answers, then follows
// the store until ctx ends.
func (m *Main) startShared(ctx context.Context) {
	for backoff := 200 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := m.start(sctx)
		cancel()
		if err == nil {
			break
		}
		m.Logger.Error("cannot start: the shared store is unreachable; retrying (the server answers 503 meanwhile)",
			"err", err, "retry_in", backoff)
		if !wait.Sleep(ctx, backoff) {
			return
		}
	}
	go m.watchKeys(ctx)
	m.replica.Run(ctx, m.store.Ping)
}

// start loads the keys, builds the replica, the manager and the handlers,
// and puts them in service.
func (m *Main) start(ctx context.Context) error {
	if err := m.build(ctx); err != nil {
		return err
	}
	if m.feed == nil {
		if err := m.replica.Load(ctx); err != nil {
			return err
		}
		m.replica.Live(true)
	}
	return m.serve()
}

// build loads the keys from the open store and builds the replica and the
// manager, without serving: the operator commands use it too.
func (m *Main) build(ctx context.Context) error {
	c := m.Config
	if err := upgradeFormat(ctx, m.store); err != nil {
		return err
	}
	keys, err := signingKeys(ctx, m.store, c)
	if err != nil {
		return err
	}
	m.codec, err = jose.NewCodec(keys, jose.Options{Issuer: c.Issuer, Audience: list(c.Audience), Leeway: c.Leeway})
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	m.keys = &keyReloader{m: m}
	m.replica = m.newReplica(m.feed)
	m.manager = m.newManager(reloadingCodec{m.codec, m.keys}, keys)
	return nil
}

func (m *Main) newReplica(feed tokenmanager.Feed) *tokenmanager.Replica {
	r := tokenmanager.NewReplica(m.store, feed, m.Logger)
	r.MaxStaleness = m.Config.MaxStaleness
	r.OnOutage = tokenmanager.OutagePolicy(m.Config.OnStoreOutage)
	r.SweepEvery = m.Config.SweepEvery
	m.events = &tmhttp.Hub{}
	m.metrics = newReplicaMetrics()
	r.SetHooks(replicaHooks(m.events, m.metrics))
	return r
}

func (m *Main) newManager(codec tokenmanager.TokenCodec, keys *tokenmanager.KeySet) *tokenmanager.Manager {
	c := m.Config
	mode, _ := tokenmanager.ParseCheckMode(c.RevocationCheck)
	if mode == tokenmanager.CheckOff {
		m.Logger.Warn("REVOCATION CHECK IS OFF: cancelled tokens are accepted. Use this only as a benchmark baseline.")
	}
	return tokenmanager.NewManager(tokenmanager.Config{
		Issuer: c.Issuer, Audience: list(c.Audience), AccessTTL: c.AccessTTL, RefreshTTL: c.RefreshTTL,
		ReuseGrace: c.ReuseGrace, Leeway: c.Leeway, Check: mode,
	}, codec, m.store, m.replica, keys.RefreshKey, m.Logger)
}

// listen opens the public listener with a handler that answers 503 until
// serve puts the real one in place.
func (m *Main) listen() error {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	m.listener = ln
	m.handler.Store(&starting)
	m.server = newHTTPServer(withStoreDeadline(m.Config.StoreTimeout, storeFreePaths(m.Config), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*m.handler.Load()).ServeHTTP(w, r)
	})), m.Logger)
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
		if !free[r.URL.Path] {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// storeFreePaths are the paths that never wait on the store: the event
// streams, liveness, metrics, and forward-auth unless the check is strict
// (the replica answers it from memory: no timer per request on the hot
// path).
func storeFreePaths(c *Config) map[string]bool {
	free := map[string]bool{"/events/cancellations": true, "/healthz": true, "/metrics": true}
	if c.RevocationCheck != string(tokenmanager.CheckStrict) {
		free["/auth/verify"] = true
	}
	return free
}

// serve puts the real handlers in service and opens the admin socket.
func (m *Main) serve() error {
	c, codec := m.Config, m.codec
	limit, _ := tokenmanager.ParseLimit(c.SignInLimit)
	userLimit, _ := tokenmanager.ParseLimit(c.SignInUserLimit)
	hashMemory, _ := parseBytes(c.HashMemory)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.metrics.register(reg)
	registerStoreMetrics(reg, m.store)
	srv := &tmhttp.Server{
		Manager: m.manager,
		Accounts: tokenmanager.NewAccounts(m.store, tokenmanager.NewLimiter(limit, nil).WithUserLimit(userLimit), m.argon()).
			WithHashBudget(hashMemory, c.HashWait),
		JWKS:              func() any { return codec.JWKS() },
		Admins:            canonicalAdmins(c.Admins, m.Logger),
		Logger:            m.Logger,
		Ready:             m.ready,
		Registry:          reg,
		Version:           buildVersion(),
		TrustProxyHeaders: c.TrustProxy,
		AccessLog:         c.AccessLog,
		PublicURL:         c.PublicURL,
		Events:            m.events,
		Clients:           clientStoreOf(m.store),
	}
	m.server.RegisterOnShutdown(m.events.DropAll) // event streams never end by themselves
	h := srv.Handler()
	m.handler.Store(&h)
	m.Logger.Info("tokenmanager is listening", "addr", m.Addr(), "store", storeName(c), "alg", codec.Alg(),
		"revocation_check", c.RevocationCheck)
	admin := http.NewServeMux()
	admin.Handle("/", srv.AdminHandler())
	admin.HandleFunc("POST /admin/keys/rotate", m.handleRotate)
	admin.HandleFunc("GET /admin/backup", m.handleBackup)
	return m.serveAdmin(admin)
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

// ready is the readiness check: the store answers and the replica is in
// step with it.
func (m *Main) ready() error {
	if !m.replica.Ready() {
		return errors.New("the cancelled-set replica is not in sync with the store")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := m.store.Ping(ctx); err != nil {
		return fmt.Errorf("the store is unreachable: %w", err)
	}
	return nil
}

// Close stops serving (letting requests in flight finish), stops the
// replica and closes the store.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.cancel != nil {
		m.cancel() // stops the start-up retries and the replica
		<-m.done
	}
	if m.server != nil {
		m.server.Shutdown(ctx)
	}
	if m.admin != nil {
		m.admin.Shutdown(ctx)
	}
	if m.store != nil {
		return m.store.Close()
	}
	return nil
}

// openStore opens the embedded store, or the shared one named by --store.
func openStore(ctx context.Context, c *Config, log *slog.Logger) (tokenmanager.Store, tokenmanager.Feed, error) {
	if c.Store == "" {
		s, err := bolt.Open(filepath.Join(c.DataDir, "tokenmanager.db"))
		if err != nil {
			return nil, nil, fmt.Errorf("embedded store: %w", err)
		}
		s.SetLogger(log)
		return s, nil, nil
	}
	return openShared(ctx, c, log)
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
