package interop

import (
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/tokenmanager/tokenmanager"
)

// startIssuer starts a server whose issuer is its own URL, as OpenID
// Connect discovery requires (so its port is chosen before it starts).
func startIssuer(t *testing.T, flags ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return startServer(t, append([]string{"--addr", addr, "--issuer", "http://" + addr}, flags...)...)
}

// TestGoOIDCDefaultSettings points go-oidc at the server as at any OpenID
// provider: discovery (oidc.NewProvider) and a Verifier with no option but
// skipping the client id check. It verifies EdDSA and ES256 access tokens
// (the discovery document names the algorithms; without them go-oidc
// assumes RS256 and refuses both), and refuses a tampered one.
func TestGoOIDCDefaultSettings(t *testing.T) {
	for _, alg := range []string{"EdDSA", "ES256", "RS256"} {
		t.Run(alg, func(t *testing.T) {
			s := startIssuer(t, "--alg", alg)
			provider, err := oidc.NewProvider(t.Context(), s.URL)
			if err != nil {
				t.Fatal(err)
			}
			verifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true})
			p := s.user("olga")
			tok, err := verifier.Verify(t.Context(), p.AccessToken)
			if err != nil {
				t.Fatalf("go-oidc refused a %s token: %v", alg, err)
			}
			if tok.Subject != "olga" || tok.Issuer != s.URL {
				t.Fatalf("subject %q issuer %q", tok.Subject, tok.Issuer)
			}
			tampered := p.AccessToken[:len(p.AccessToken)-4] + "AAAA"
			if _, err := verifier.Verify(t.Context(), tampered); err == nil {
				t.Fatal("go-oidc accepted a tampered token")
			}
		})
	}
}

// TestJWKSDefaultMaxAge: by default the JWKS may be cached for
// tokenmanager.DefaultJWKSMaxAge, the lifetime a staged rotation waits.
func TestJWKSDefaultMaxAge(t *testing.T) {
	s := startServer(t)
	res, err := http.Get(s.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	want := "public, max-age=" + strconv.Itoa(int(tokenmanager.DefaultJWKSMaxAge.Seconds()))
	if cc := res.Header.Get("Cache-Control"); cc != want {
		t.Fatalf("Cache-Control = %q, want %q", cc, want)
	}
}
