package jose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
)

// signed returns a codec for alg and a token it signed.
func signed(t *testing.T, alg string) (*jose.Codec, string) {
	t.Helper()
	ks, err := jose.NewKeySet(alg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := jose.NewCodec(ks, jose.Options{Issuer: "https://iss", Audience: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := c.Sign(&tokenmanager.Claims{Issuer: "https://iss", Audience: []string{"api"}, Subject: "alice",
		ID: "j1", SessionID: "s1", IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return c, tok
}

func TestVerifier(t *testing.T) {
	tests := []struct {
		name    string
		alg     string
		opts    jose.Options
		mangle  func(jose.JWKSet) jose.JWKSet
		wantErr string // "" for a valid token
	}{
		{"EdDSA", "EdDSA", jose.Options{Issuer: "https://iss"}, nil, ""},
		{"ES256", "ES256", jose.Options{Audience: []string{"api"}}, nil, ""},
		{"RS256", "RS256", jose.Options{}, nil, ""},
		{"WrongIssuer", "EdDSA", jose.Options{Issuer: "https://other"}, nil, "wrong issuer"},
		{"WrongAudience", "EdDSA", jose.Options{Audience: []string{"web"}}, nil, "wrong audience"},
		{"UnknownKid", "EdDSA", jose.Options{}, func(s jose.JWKSet) jose.JWKSet {
			s.Keys[0].Kid = "other"
			return s
		}, "unknown kid"},
		{"AlgBoundToKey", "ES256", jose.Options{}, func(s jose.JWKSet) jose.JWKSet {
			other, _ := signed(t, "ES256")
			k := other.JWKS().Keys[0]
			k.Kid = s.Keys[0].Kid // the right kid, another key
			return jose.JWKSet{Keys: []jose.JWK{k}}
		}, "signature is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, tok := signed(t, tt.alg)
			set := c.JWKS()
			if tt.mangle != nil {
				set = tt.mangle(set)
			}
			v, err := jose.NewVerifier(set, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			claims, err := v.Parse(tok)
			switch {
			case tt.wantErr == "" && (err != nil || claims.Subject != "alice" || claims.SessionID != "s1"):
				t.Fatalf("Parse = %+v, %v", claims, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(tokenmanager.ErrorMessage(err), tt.wantErr)):
				t.Fatalf("Parse error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestVerifierRefusesSets(t *testing.T) {
	ed, _ := signed(t, "EdDSA")
	good := ed.JWKS().Keys[0]
	tests := []struct {
		name string
		keys []jose.JWK
	}{
		{"Empty", nil},
		{"HS256", []jose.JWK{{Kty: "oct", Kid: "k", Alg: "HS256"}}},
		{"AlgForAnotherKeyType", []jose.JWK{{Kty: good.Kty, Crv: good.Crv, X: good.X, Kid: "k", Alg: "ES256"}}},
		{"NotForSigning", []jose.JWK{{Kty: good.Kty, Crv: good.Crv, X: good.X, Kid: "k", Alg: "EdDSA", Use: "enc"}}},
		{"ShortKey", []jose.JWK{{Kty: "OKP", Crv: "Ed25519", X: "AAAA", Kid: "k", Alg: "EdDSA"}}},
		{"PointOffCurve", []jose.JWK{{Kty: "EC", Crv: "P-256", Kid: "k", Alg: "ES256",
			X: strings.Repeat("A", 43), Y: strings.Repeat("A", 42) + "E"}}},
		{"SmallRSA", []jose.JWK{{Kty: "RSA", Kid: "k", Alg: "RS256", N: "AQAB", E: "AQAB"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := jose.NewVerifier(jose.JWKSet{Keys: tt.keys}, jose.Options{}); err == nil {
				t.Fatal("NewVerifier accepted a set with no usable key")
			}
		})
	}
}

func TestVerifierSetJWKS(t *testing.T) {
	a, tokA := signed(t, "EdDSA")
	b, tokB := signed(t, "EdDSA")
	v, err := jose.NewVerifier(a.JWKS(), jose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kidB := b.JWKS().Keys[0].Kid
	if v.HasKey(kidB) {
		t.Fatal("HasKey before the new set")
	}
	if err := v.SetJWKS(jose.JWKSet{Keys: append(a.JWKS().Keys, b.JWKS().Keys...)}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{tokA, tokB} {
		if _, err := v.Parse(tok); err != nil || !v.HasKey(kidB) {
			t.Fatalf("after SetJWKS: %v", err)
		}
	}
	if err := v.SetJWKS(jose.JWKSet{}); err == nil || !v.HasKey(kidB) {
		t.Fatal("an empty set must be refused and the keys kept")
	}
}
