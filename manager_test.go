package tokenmanager_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/jose"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	*tokenmanager.Manager
	store *bolt.Store
	clock *clock
}

// newManager returns a Manager on a bolt store in t.TempDir(), with a
// settable clock when fake is true.
func newManager(t *testing.T, mode tokenmanager.CheckMode, grace time.Duration, fake bool) *fixture {
	t.Helper()
	return newManagerAlg(t, mode, grace, fake, "EdDSA")
}

// newManagerAlg is newManager with keys of the algorithm alg.
func newManagerAlg(t *testing.T, mode tokenmanager.CheckMode, grace time.Duration, fake bool, alg string) *fixture {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{t: time.Now()}
	now := time.Now
	if fake {
		now = clk.Now
	}
	ks, err := jose.NewKeySet(alg)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jose.NewCodec(ks, jose.Options{Issuer: "https://tm.test", Leeway: time.Second, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	replica := tokenmanager.NewReplica(store, nil, nil)
	replica.Now = now
	if err := replica.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	replica.Live(true)
	m := tokenmanager.NewManager(tokenmanager.Config{
		Issuer: "https://tm.test", AccessTTL: 5 * time.Minute, RefreshTTL: time.Hour,
		ReuseGrace: grace, Check: mode, Now: now, Leeway: time.Second,
	}, codec, store, replica, ks.RefreshKey, nil)
	return &fixture{Manager: m, store: store, clock: clk}
}

func mustIssue(t *testing.T, m *fixture, sub string) *tokenmanager.TokenPair {
	t.Helper()
	p, err := m.Issue(context.Background(), sub, tokenmanager.SessionMeta{UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantValid(t *testing.T, m *fixture, token string, valid bool) {
	t.Helper()
	_, err := m.Verify(context.Background(), token)
	if valid && err != nil {
		t.Fatalf("refused: %v", err)
	}
	if !valid && tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
		t.Fatalf("Verify err = %v, want %s", err, tokenmanager.EInvalidToken)
	}
}

func TestCancelKinds(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []tokenmanager.CheckMode{tokenmanager.CheckReplica, tokenmanager.CheckStrict} {
		t.Run(string(mode), func(t *testing.T) {
			m := newManager(t, mode, 0, false)
			a, b, other := mustIssue(t, m, "alice"), mustIssue(t, m, "alice"), mustIssue(t, m, "bob")
			c, _ := m.Verify(ctx, a.AccessToken)
			if err := m.CancelToken(ctx, c); err != nil {
				t.Fatal(err)
			}
			wantValid(t, m, a.AccessToken, false)
			wantValid(t, m, b.AccessToken, true)

			if err := m.CancelSession(ctx, b.SessionID); err != nil {
				t.Fatal(err)
			}
			wantValid(t, m, b.AccessToken, false)
			if _, err := m.Refresh(ctx, b.RefreshToken, tokenmanager.SessionMeta{}); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidGrant {
				t.Fatalf("refresh of a cancelled session: %v", err)
			}
			wantValid(t, m, other.AccessToken, true)

			d := mustIssue(t, m, "alice")
			if err := m.CancelSubject(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			wantValid(t, m, d.AccessToken, false)
			fresh := mustIssue(t, m, "alice") // right after, same second
			wantValid(t, m, fresh.AccessToken, true)
			wantValid(t, m, other.AccessToken, true)
		})
	}
}

func TestCheckOffAcceptsCancelled(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, tokenmanager.CheckOff, 0, false)
	p := mustIssue(t, m, "alice")
	c, _ := m.Verify(ctx, p.AccessToken)
	if err := m.CancelToken(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantValid(t, m, p.AccessToken, true) // the baseline mode: nothing is checked
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		grace time.Duration
		wait  time.Duration
		reuse bool // the retired token is accepted again
	}{
		{"NoGrace", 0, 0, false},
		{"WithinGrace", 5 * time.Second, 4 * time.Second, true},
		{"AfterGrace", 5 * time.Second, 6 * time.Second, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, tokenmanager.CheckReplica, tc.grace, true)
			first := mustIssue(t, m, "alice")
			m.clock.Add(time.Second)
			second, err := m.Refresh(ctx, first.RefreshToken, tokenmanager.SessionMeta{})
			if err != nil {
				t.Fatal(err)
			}
			m.clock.Add(tc.wait)
			again, err := m.Refresh(ctx, first.RefreshToken, tokenmanager.SessionMeta{})
			if tc.reuse {
				if err != nil || again.RefreshToken != second.RefreshToken {
					t.Fatalf("within the grace: %v, same token %v", err, err == nil && again.RefreshToken == second.RefreshToken)
				}
				return
			}
			if tokenmanager.ErrorCode(err) != tokenmanager.EInvalidGrant {
				t.Fatalf("reuse: %v", err)
			}
			wantValid(t, m, second.AccessToken, false) // theft cancels the session
			if _, err := m.Refresh(ctx, second.RefreshToken, tokenmanager.SessionMeta{}); err == nil {
				t.Fatal("the current refresh token survived the theft")
			}
		})
	}
}

func TestRefreshExpires(t *testing.T) {
	m := newManager(t, tokenmanager.CheckReplica, 0, true)
	p := mustIssue(t, m, "alice")
	m.clock.Add(time.Hour + time.Second)
	if _, err := m.Refresh(context.Background(), p.RefreshToken, tokenmanager.SessionMeta{}); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidGrant {
		t.Fatalf("expired refresh token: %v", err)
	}
}

func TestRefreshTokenTampered(t *testing.T) {
	m := newManager(t, tokenmanager.CheckReplica, 0, false)
	p := mustIssue(t, m, "alice")
	raw := []byte(p.RefreshToken)
	raw[len(raw)-5] ^= 1
	for _, tok := range []string{string(raw), "", "x", p.AccessToken, p.RefreshToken + "A"} {
		if _, err := m.Refresh(context.Background(), tok, tokenmanager.SessionMeta{}); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidGrant {
			t.Fatalf("Refresh(%q) = %v", tok, err)
		}
	}
}

func TestIntrospectAndRevoke(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, tokenmanager.CheckReplica, 0, false)
	p := mustIssue(t, m, "alice")
	for _, tc := range []struct{ token, typ string }{{p.AccessToken, tokenmanager.AccessTokenType}, {p.RefreshToken, tokenmanager.RefreshTokenType}} {
		info, err := m.Introspect(ctx, tc.token)
		if err != nil || !info.Active || info.Type != tc.typ {
			t.Fatalf("introspect %s: %+v %v", tc.typ, info, err)
		}
	}
	if err := m.Revoke(ctx, p.RefreshToken); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{p.AccessToken, p.RefreshToken, "garbage"} {
		if info, err := m.Introspect(ctx, tok); err != nil || info.Active {
			t.Fatalf("after revoke: %+v %v", info, err)
		}
	}
}

func TestSessionsListsLiveOnes(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, tokenmanager.CheckReplica, 0, false)
	a, b := mustIssue(t, m, "alice"), mustIssue(t, m, "alice")
	mustIssue(t, m, "bob")
	if err := m.CancelOwnSession(ctx, "bob", a.SessionID); tokenmanager.ErrorCode(err) != tokenmanager.ENotFound {
		t.Fatalf("cancelling another subject's session: %v", err)
	}
	if err := m.CancelOwnSession(ctx, "alice", a.SessionID); err != nil {
		t.Fatal(err)
	}
	ss, err := m.Sessions(ctx, "alice")
	if err != nil || len(ss) != 1 || ss[0].ID != b.SessionID {
		t.Fatalf("sessions %v %v", ss, err)
	}
}

func TestVerifyCacheRechecksExpiry(t *testing.T) {
	m := newManager(t, tokenmanager.CheckReplica, 0, true)
	p := mustIssue(t, m, "alice")
	wantValid(t, m, p.AccessToken, true) // now cached
	m.clock.Add(5*time.Minute + 2*time.Second)
	wantValid(t, m, p.AccessToken, false)
}

func TestVerifyCacheKeepsCheckingCancellations(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, tokenmanager.CheckReplica, 0, false)
	p := mustIssue(t, m, "alice")
	for range 3 {
		wantValid(t, m, p.AccessToken, true)
	}
	if err := m.CancelSession(ctx, p.SessionID); err != nil {
		t.Fatal(err)
	}
	wantValid(t, m, p.AccessToken, false)
	tampered := p.AccessToken[:len(p.AccessToken)-2] + "AA"
	wantValid(t, m, tampered, false)
}
