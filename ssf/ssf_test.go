package ssf_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/ssf"
)

const issuer = "https://tm.test"

// fixture is a Transmitter over a bolt store, signing with an Ed25519 key.
type fixture struct {
	tx    *ssf.Transmitter
	store *bolt.Store
	pub   ed25519.PublicKey
}

func newFixture(t *testing.T, edit func(*ssf.Config)) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ks, err := jose.NewKeySet("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jose.NewCodec(ks, jose.Options{Issuer: issuer})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ssf.Config{Store: st, Sessions: st, Sign: codec.SignSET, Issuer: issuer, SubjectIssuer: "tm"}
	if edit != nil {
		edit(&cfg)
	}
	return &fixture{tx: ssf.New(cfg), store: st, pub: publicKey(t, codec)}
}

// publicKey reads the Ed25519 key from the JWKS, as a receiver would.
func publicKey(t *testing.T, c *jose.Codec) ed25519.PublicKey {
	raw, _ := json.Marshal(c.JWKS())
	var set struct {
		Keys []struct{ Kty, Crv, X string }
	}
	json.Unmarshal(raw, &set)
	x, err := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	if err != nil || set.Keys[0].Crv != "Ed25519" {
		t.Fatalf("jwks %s", raw)
	}
	return x
}

// verify checks a SET's signature and typ, and returns its claims.
func (f *fixture) verify(t *testing.T, set string) map[string]any {
	t.Helper()
	parts := strings.Split(set, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if !ed25519.Verify(f.pub, []byte(parts[0]+"."+parts[1]), sig) {
		t.Fatalf("the SET's signature does not verify")
	}
	var hdr, claims map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(h, &hdr)
	json.Unmarshal(p, &claims)
	if hdr["typ"] != "secevent+jwt" || claims["iss"] != issuer {
		t.Fatalf("header %v claims %v", hdr, claims)
	}
	return claims
}

// receiver is a push endpoint that answers 503 while down.
type receiver struct {
	*httptest.Server
	down atomic.Bool
	mu   sync.Mutex
	sets []string
	auth []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.sets = append(r.sets, string(b))
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sets...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func pushStream(t *testing.T, f *fixture, url string) *ssf.StreamConfig {
	events := ssf.EventsSupported
	s, err := f.tx.CreateStream(t.Context(), ssf.StreamRequest{EventsRequested: &events,
		Delivery: &ssf.Delivery{Method: ssf.MethodPush, EndpointURL: url, AuthorizationHeader: "Bearer r3c"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPushRetriesUntilTheReceiverIsBack: SETs made while the receiver is
// down all arrive, in order, once it is back, each signed and typed.
func TestPushRetriesUntilTheReceiverIsBack(t *testing.T) {
	f := newFixture(t, func(c *ssf.Config) { c.MaxBackoff = 200 * time.Millisecond })
	r := newReceiver(t)
	r.down.Store(true)
	s := pushStream(t, f, r.URL)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.tx.Run(ctx) }()
	defer func() { cancel(); <-done }()
	f.tx.OnCancel(tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: "alice"})
	f.tx.OnAccountChange(t.Context(), tokenmanager.AccountChange{Kind: tokenmanager.AccountDisabled, Username: "alice"})
	f.tx.OnCancel(tokenmanager.Cancellation{Kind: tokenmanager.KindToken, ID: "j"}) // no event
	time.Sleep(300 * time.Millisecond)
	if len(r.got()) != 0 {
		t.Fatal("a down receiver got SETs")
	}
	r.down.Store(false)
	waitFor(t, "both SETs", func() bool { return len(r.got()) == 2 })
	want := []string{ssf.EventSessionRevoked, ssf.EventAccountDisabled}
	for i, set := range r.got() {
		c := f.verify(t, set)
		ev := c["events"].(map[string]any)
		if _, ok := ev[want[i]]; !ok || c["aud"] != s.Aud {
			t.Errorf("SET %d: %v", i, c)
		}
		if sub := c["sub_id"].(map[string]any); sub["format"] != "iss_sub" || sub["iss"] != "tm" || sub["sub"] != "alice" {
			t.Errorf("sub_id %v", sub)
		}
	}
	if r.auth[0] != "Bearer r3c" {
		t.Errorf("Authorization %q", r.auth[0])
	}
	waitFor(t, "the queue to empty", func() bool {
		p, _ := f.store.PendingEvents(t.Context(), s.StreamID, 10)
		return len(p) == 0
	})
}

// TestQueueIsBounded: beyond MaxQueue the oldest SETs are dropped.
func TestQueueIsBounded(t *testing.T) {
	f := newFixture(t, func(c *ssf.Config) { c.MaxQueue = 3 })
	events := ssf.EventsSupported
	s, err := f.tx.CreateStream(t.Context(), ssf.StreamRequest{EventsRequested: &events})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f.tx.OnAccountChange(t.Context(), tokenmanager.AccountChange{Kind: tokenmanager.AccountEnabled, Username: "bob"})
	}
	res, err := f.tx.Poll(t.Context(), s.StreamID, ssf.PollRequest{ReturnImmediately: true})
	if err != nil || len(res.Sets) != 3 {
		t.Fatalf("poll: %v, %d SETs", err, len(res.Sets))
	}
}

// TestSessionSubject: a session's SET names its user, looked up from the
// session record.
func TestSessionSubject(t *testing.T) {
	f := newFixture(t, nil)
	events := ssf.EventsSupported
	s, _ := f.tx.CreateStream(t.Context(), ssf.StreamRequest{EventsRequested: &events})
	now := time.Now()
	if err := f.store.CreateSession(t.Context(), &tokenmanager.Session{ID: "s1", Subject: "carol", CreatedAt: now, RefreshExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.tx.OnCancel(tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: "s1"})
	res, err := f.tx.Poll(t.Context(), s.StreamID, ssf.PollRequest{ReturnImmediately: true})
	if err != nil || len(res.Sets) != 1 {
		t.Fatalf("poll: %v %v", err, res)
	}
	for _, set := range res.Sets {
		sub := f.verify(t, set)["sub_id"].(map[string]any)
		user, _ := sub["user"].(map[string]any)
		sess, _ := sub["session"].(map[string]any)
		if sub["format"] != "complex" || user["sub"] != "carol" || sess["id"] != "s1" || sess["format"] != "opaque" {
			t.Fatalf("sub_id %v", sub)
		}
	}
}
