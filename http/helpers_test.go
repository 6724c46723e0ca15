package http_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/ssf"
)

// fastArgon keeps password hashing cheap in tests.
var fastArgon = tokenmanager.Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

const (
	statusBase = "https://tm.test/statuslists/"
	issuer     = "https://tm.test"
	ssfIssuer  = "https://tm.test"
	password   = "correct horse battery"
)

// clock is real time plus an offset the test can advance, so tokens age
// without sleeping while the cut-offs of cancellations still pass.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// setup is what a test may change about its environment.
type setup struct {
	grace   time.Duration
	limit   tokenmanager.Limit
	maxBody int64
	server  func(*tmhttp.Server)
	memory  bool                                        // the in-memory store instead of bolt (fuzzing: no fsync per write)
	argon   tokenmanager.Argon2Params                   // password hashing; fastArgon when zero
	limiter func(*tokenmanager.Limiter)                 // changes the sign-in limiter before use
	wrap    func(tokenmanager.Store) tokenmanager.Store // stands between the server and its store
}

// env is a running Server on a real Manager, jose codec and store.
type env struct {
	*httptest.Server
	srv   *tmhttp.Server
	mgr   *tokenmanager.Manager
	store tokenmanager.Store
	clock *clock
	logs  *syncBuffer
}

// newEnv starts a Server with "root" as its admin.
func newEnv(t testing.TB, opts ...func(*setup)) *env {
	t.Helper()
	st := setup{limit: tokenmanager.Limit{N: 3, Window: time.Minute}, argon: fastArgon}
	for _, o := range opts {
		o(&st)
	}
	e := &env{store: openStore(t, st.memory), clock: &clock{}, logs: &syncBuffer{}}
	if st.wrap != nil {
		e.store = st.wrap(e.store)
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	codec, ks := mustCodec(t, e.clock.Now)
	e.mgr = mustManager(t, e.store, codec, ks, tokenmanager.Config{
		Issuer: issuer, Audience: []string{"api"}, ReuseGrace: st.grace, Now: e.clock.Now}, logger)
	limiter := tokenmanager.NewLimiter(st.limit, e.clock.Now)
	if st.limiter != nil {
		st.limiter(limiter)
	}
	e.srv = &tmhttp.Server{
		Manager:  e.mgr,
		Accounts: tokenmanager.NewAccounts(e.store, limiter, st.argon),
		JWKS:     func() any { return codec.JWKS() },
		Admins:   []string{"Root"}, Logger: logger, Registry: prometheus.NewRegistry(),
		MaxBodyBytes: st.maxBody, Version: "test",
	}
	if cs, ok := e.store.(tokenmanager.ClientStore); ok {
		e.srv.Clients = cs
	}
	if ss, ok := e.store.(tokenmanager.StatusStore); ok {
		e.mgr.Status = tokenmanager.NewStatusLists(ss, statusBase, time.Hour)
		e.srv.StatusLists, e.srv.SignStatusList = e.mgr.Status, codec.SignStatusList
	}
	if es, ok := e.store.(tokenmanager.EventStore); ok {
		e.srv.SSF = ssf.New(ssf.Config{Store: es, Sessions: e.store, Sign: codec.SignSET, Issuer: ssfIssuer,
			SubjectIssuer: issuer, LongPoll: 5 * time.Second, Now: e.clock.Now, Logger: logger})
	}
	if st.server != nil {
		st.server(e.srv)
	}
	e.Server = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.Close)
	return e
}

// openStore opens the embedded bolt store in a temporary directory, so
// the tests run on what the program runs, or the in-memory one.
func openStore(t testing.TB, memory bool) tokenmanager.Store {
	t.Helper()
	if memory {
		return newMemStore()
	}
	s, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustCodec(t testing.TB, now func() time.Time) (*jose.Codec, *tokenmanager.KeySet) {
	t.Helper()
	ks, err := jose.NewKeySet(jose.DefaultAlg)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jose.NewCodec(ks, jose.Options{Issuer: issuer, Audience: []string{"api"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return codec, ks
}

func mustManager(t testing.TB, store tokenmanager.Store, codec *jose.Codec, ks *tokenmanager.KeySet, cfg tokenmanager.Config, logger *slog.Logger) *tokenmanager.Manager {
	t.Helper()
	replica := tokenmanager.NewReplica(store, nil, logger)
	replica.Now = cfg.Now
	if err := replica.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	replica.Live(true)
	return tokenmanager.NewManager(cfg, codec, store, replica, ks.RefreshKey, logger)
}

// response is what a call returned, body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// call sends a request: body is nil, a string (sent as JSON text as it
// is), url.Values (a form) or any value (JSON-encoded). hdr is pairs of
// header name and value; "Bearer" as a name sets Authorization.
func (e *env) call(t testing.TB, method, path string, body any, hdr ...string) *response {
	t.Helper()
	req := newRequest(t, method, e.URL+path, body, hdr...)
	return e.do(t, req)
}

func readAll(t testing.TB, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newRequest(t testing.TB, method, url string, body any, hdr ...string) *http.Request {
	t.Helper()
	rd, ct := encodeBody(t, body)
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Bearer" {
			req.Header.Add("Authorization", "Bearer "+hdr[i+1])
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return req
}

func encodeBody(t testing.TB, body any) (io.Reader, string) {
	switch b := body.(type) {
	case nil:
		return nil, ""
	case string:
		return strings.NewReader(b), "application/json"
	case url.Values:
		return strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	}
	j, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(j), "application/json"
}

// decode decodes the body into a new T, failing the test if it cannot.
func decode[T any](t testing.TB, r *response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return v
}

// user signs name up and in, and returns its token pair.
func (e *env) user(t testing.TB, name string) tokenmanager.TokenPair {
	t.Helper()
	wantStatus(t, e.call(t, "POST", "/sign-up", creds(name, password)), http.StatusCreated)
	return e.signIn(t, name)
}

// signIn signs name in once more (another device).
func (e *env) signIn(t testing.TB, name string, hdr ...string) tokenmanager.TokenPair {
	t.Helper()
	r := e.call(t, "POST", "/sign-in", creds(name, password), hdr...)
	wantStatus(t, r, http.StatusOK)
	return decode[tokenmanager.TokenPair](t, r)
}

func creds(name, pw string) map[string]string {
	return map[string]string{"username": name, "password": pw}
}

func wantStatus(t testing.TB, r *response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status = %d, want %d; body %s", r.Status, want, r.Body)
	}
}

var (
	bareChallenge  = regexp.MustCompile(`^Bearer realm="[^"\\]*"$`)
	errorChallenge = regexp.MustCompile(`^Bearer error="([^"\\]*)", error_description="([ !#-\[\]-~]*)"$`)
	// basicChallenge is the challenge to a service client's bad
	// credentials (RFC 6749 §5.2: the scheme the client used).
	basicChallenge = regexp.MustCompile(`^Basic realm="tokenmanager", error="invalid_client", error_description="[ !#-\[\]-~]*"$`)
)

// wantError checks the status and the one error shape: JSON with error
// and error_description, no-store, and on a 401 a valid challenge.
func wantError(t testing.TB, r *response, status int, code string) {
	t.Helper()
	wantStatus(t, r, status)
	body := decode[map[string]string](t, r)
	if body["error"] != code || body["error_description"] == "" || len(body) != 2 {
		t.Fatalf("body = %s, want error %q with a description", r.Body, code)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if status == http.StatusUnauthorized {
		wantChallenge(t, r, code)
	}
}

// wantChallenge checks the WWW-Authenticate header of a 401.
func wantChallenge(t testing.TB, r *response, code string) {
	t.Helper()
	ch := r.Header.Values("WWW-Authenticate")
	if len(ch) != 1 {
		t.Fatalf("WWW-Authenticate = %q, want one", ch)
	}
	if m := errorChallenge.FindStringSubmatch(ch[0]); m != nil && m[1] == code {
		return
	}
	if code == tokenmanager.EInvalidClient && basicChallenge.MatchString(ch[0]) {
		return
	}
	if !bareChallenge.MatchString(ch[0]) || code != tokenmanager.EInvalidToken {
		t.Fatalf("WWW-Authenticate = %q, want a challenge with error %q", ch[0], code)
	}
}

// syncBuffer is a log sink the handlers and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
