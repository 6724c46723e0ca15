package jose

import (
	"context"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// newBoltManager returns a Manager verifying with a codec of alg, on the
// embedded store in t.TempDir(), on the real clock.
func newBoltManager(t *testing.T, alg string) (*tokenmanager.Manager, *Codec) {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ks, err := NewKeySet(alg)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := NewCodec(ks, Options{Issuer: "https://tm.test", Leeway: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	replica := tokenmanager.NewReplica(store, nil, nil)
	if err := replica.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	replica.Live(true)
	return tokenmanager.NewManager(tokenmanager.Config{Issuer: "https://tm.test", Leeway: time.Second},
		codec, store, replica, ks.RefreshKey, nil), codec
}

// highS returns the ES256 token with its signature (r, s) replaced by
// (r, n - s): a second valid signature of the same input, which Go's
// crypto/ecdsa accepts (it does not enforce low s).
func highS(t *testing.T, token string) string {
	t.Helper()
	p := strings.Split(token, ".")
	sig, err := enc.DecodeString(p[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("not an ES256 signature: %v", err)
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(p256N(), s)
	out := append(append([]byte{}, sig[:32]...), s.FillBytes(make([]byte, 32))...)
	return p[0] + "." + p[1] + "." + enc.EncodeToString(out)
}

// withSignature returns token with its signature replaced.
func withSignature(token string, sig []byte) string {
	p := strings.Split(token, ".")
	return p[0] + "." + p[1] + "." + enc.EncodeToString(sig)
}

// TestCancelledTokenStaysRefused cancels an ES256 access token on a bolt
// store, then presents other encodings of the same token. Cancellation is
// keyed by the token's identity (iss + jti), not its text, so every copy
// that verifies is refused as cancelled; the others fail earlier.
func TestCancelledTokenStaysRefused(t *testing.T) {
	ctx := context.Background()
	m, codec := newBoltManager(t, "ES256")
	pair, err := m.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := m.Verify(ctx, pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CancelToken(ctx, cl); err != nil {
		t.Fatal(err)
	}
	sig, _ := enc.DecodeString(strings.Split(pair.AccessToken, ".")[2])
	reencoded, _ := nonCanonical(strings.Split(pair.AccessToken, ".")[2])
	p := strings.Split(pair.AccessToken, ".")
	for _, tc := range []struct{ name, raw, why string }{
		{"Original", pair.AccessToken, "cancelled"},
		{"HighS", highS(t, pair.AccessToken), "cancelled"},
		{"NonCanonicalBase64", p[0] + "." + p[1] + "." + reencoded, "malformed"},
		{"RZero", withSignature(pair.AccessToken, append(make([]byte, 32), sig[32:]...)), "signature"},
		{"SZero", withSignature(pair.AccessToken, append(append([]byte{}, sig[:32]...), make([]byte, 32)...)), "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Verify(ctx, tc.raw)
			if tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("Verify = %v, want %s saying %q", err, tokenmanager.EInvalidToken, tc.why)
			}
		})
	}
	t.Run("NonCanonicalBase64SameIdentity", func(t *testing.T) {
		// Were the re-encoded form parsed leniently, it would still be
		// the same jti, and the cancelled set would refuse it.
		lax := jwt.NewParser(jwt.WithValidMethods(Algs), jwt.WithLeeway(time.Second))
		w := &wireClaims{}
		if _, err := lax.ParseWithClaims(p[0]+"."+p[1]+"."+reencoded, w, codec.keyFor); err != nil {
			t.Fatalf("a lax parser refuses it: %v", err)
		}
		if kind, ok := m.Replica().Set.Check(w.claims("")); !ok || w.ID != cl.ID {
			t.Fatalf("jti %q not found cancelled (kind %v)", w.ID, kind)
		}
	})
}

// TestHighSOfLiveToken documents a choice: the high-s copy of a live
// (not cancelled) ES256 token is accepted. It is the same token (same
// jti, same claims, same expiry), so it gives its holder nothing more,
// and cancelling either cancels both. RFC 8725 does not ask for low-s,
// and refusing it would mean normalising our own signatures, which Go's
// ecdsa leaves high half the time. EdDSA, the default, has no such
// malleability (Go refuses a non-canonical S; see TestSignatureTampering).
func TestHighSOfLiveToken(t *testing.T) {
	ctx := context.Background()
	m, _ := newBoltManager(t, "ES256")
	pair, err := m.Issue(ctx, "bob", tokenmanager.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	orig, err := m.Verify(ctx, pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	twin := highS(t, pair.AccessToken)
	got, err := m.Verify(ctx, twin)
	if err != nil || got.ID != orig.ID {
		t.Fatalf("high-s twin: %v (jti %v, want %s)", err, got, orig.ID)
	}
	if err := m.CancelToken(ctx, got); err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string]string{"Original": pair.AccessToken, "Twin": twin} {
		t.Run("CancellingTheTwinCancels"+name, func(t *testing.T) {
			if _, err := m.Verify(ctx, raw); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
				t.Fatalf("Verify = %v", err)
			}
		})
	}
}
