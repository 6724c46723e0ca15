package remote_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/remote"
)

const (
	issuer   = "https://tm.test"
	password = "correct horse battery"
)

// server is a real TokenManager server (bolt store, jose codec, the http
// Server) on an httptest listener, with "root" as its admin.
type server struct {
	*httptest.Server
	srv       *tmhttp.Server
	mgr       *tokenmanager.Manager
	codec     *jose.Codec
	keys      *tokenmanager.KeySet
	clients   tokenmanager.ClientStore
	jwksCalls atomic.Int64
}

func newServer(t *testing.T) *server {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := &server{keys: must(jose.NewKeySet(jose.DefaultAlg)), clients: store}
	s.codec = must(jose.NewCodec(s.keys, jose.Options{Issuer: issuer}))
	quiet := slog.New(slog.DiscardHandler)
	replica := tokenmanager.NewReplica(store, nil, quiet)
	if err := replica.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	replica.Live(true)
	s.mgr = tokenmanager.NewManager(tokenmanager.Config{Issuer: issuer}, s.codec, store, replica, s.keys.RefreshKey, quiet)
	accounts := tokenmanager.NewAccounts(store, tokenmanager.NewLimiter(tokenmanager.Limit{}, nil),
		tokenmanager.Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
	if _, err := accounts.SignUp(t.Context(), "root", password); err != nil {
		t.Fatal(err)
	}
	s.mgr.Status = tokenmanager.NewStatusLists(store, issuer+"/statuslists/", time.Hour)
	s.srv = &tmhttp.Server{Manager: s.mgr, Accounts: accounts, JWKS: func() any { return s.codec.JWKS() },
		Admins: []string{"root"}, Logger: quiet, Registry: prometheus.NewRegistry(), Clients: store,
		StatusLists: s.mgr.Status, SignStatusList: s.codec.SignStatusList, StatusListTTL: time.Minute}
	h := s.srv.Handler()
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/jwks.json" {
			s.jwksCalls.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// issue signs subject in on the server and returns the access token.
func (s *server) issue(t *testing.T, subject string) string {
	t.Helper()
	p, err := s.mgr.Issue(t.Context(), subject, tokenmanager.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	return p.AccessToken
}

// cancel cancels an access token on the server.
func (s *server) cancel(t *testing.T, token string) {
	t.Helper()
	c, err := s.mgr.Verify(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.mgr.CancelToken(t.Context(), c); err != nil {
		t.Fatal(err)
	}
}

// rotate makes a new active key on the server; the old one keeps verifying.
func (s *server) rotate(t *testing.T) {
	t.Helper()
	k := must(jose.NewKey(jose.DefaultAlg, time.Now()))
	s.keys.Keys[len(s.keys.Keys)-1].RetiredAt = time.Now()
	s.keys.Keys = append(s.keys.Keys, k)
	if err := s.codec.SetKeySet(s.keys); err != nil {
		t.Fatal(err)
	}
}

// connect starts a remote Verifier on s, closed when the test ends.
func connect(t *testing.T, s *server, opts remote.Options) *remote.Verifier {
	t.Helper()
	if opts.Token == nil && opts.ClientID == "" {
		opts.Token = remote.PasswordToken(nil, s.URL, "root", password)
	}
	opts.Issuer = issuer
	opts.Logger = slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	v, err := remote.New(ctx, s.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// gatedToken returns a Token that answers the first call at once and
// each later one only when the test sends on the channel: the test
// chooses when the Verifier reconnects.
func gatedToken(s *server) (func(context.Context) (string, error), chan<- struct{}) {
	inner := remote.PasswordToken(nil, s.URL, "root", password)
	gate := make(chan struct{})
	var calls atomic.Int64
	return func(ctx context.Context) (string, error) {
		if calls.Add(1) > 1 {
			select {
			case <-gate:
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		return inner(ctx)
	}, gate
}

// eventually polls cond until it holds, failing after a deadline.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// must returns v, panicking on err: for set-up that cannot fail.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// addClient creates a service client on the server and returns its
// secret.
func (s *server) addClient(t *testing.T, id string, scopes ...string) string {
	t.Helper()
	_, secret, err := tokenmanager.AddClient(t.Context(), s.clients, id, scopes, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
