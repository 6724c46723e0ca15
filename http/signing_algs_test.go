package http_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// TestMetadataSigningAlgs: both discovery documents name the published
// keys' algorithms in id_token_signing_alg_values_supported (go-oidc
// assumes RS256 without it), and leave the field out when unset.
func TestMetadataSigningAlgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		algs func() []string
		want []string
	}{
		{"Named", func() []string { return []string{"EdDSA", "ES256"} }, []string{"EdDSA", "ES256"}},
		{"Unset", nil, nil},
		{"NoneFromTheCodec", func() []string { return nil }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.SigningAlgs = tc.algs } })
			for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
				r := e.call(t, "GET", path, nil)
				wantStatus(t, r, http.StatusOK)
				m := decode[map[string]any](t, r)
				got, present := m["id_token_signing_alg_values_supported"]
				if tc.want == nil {
					if present {
						t.Fatalf("%s: id_token_signing_alg_values_supported = %v, want absent", path, got)
					}
					continue
				}
				var algs []string
				for _, a := range got.([]any) {
					algs = append(algs, a.(string))
				}
				if !slices.Equal(algs, tc.want) {
					t.Fatalf("%s: algs %v, want %v", path, algs, tc.want)
				}
			}
		})
	}
}

// TestJWKSMaxAge: the JWKS's Cache-Control says JWKSMaxAge, the lifetime
// a staged rotation waits for, and five minutes by default.
func TestJWKSMaxAge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		maxAge time.Duration
		want   string
	}{
		{"Default", 0, "public, max-age=300"},
		{"Short", 2 * time.Second, "public, max-age=2"},
		{"Hour", time.Hour, "public, max-age=3600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.JWKSMaxAge = tc.maxAge } })
			r := e.call(t, "GET", "/.well-known/jwks.json", nil)
			wantStatus(t, r, http.StatusOK)
			if cc := r.Header.Get("Cache-Control"); cc != tc.want {
				t.Fatalf("Cache-Control = %q, want %q", cc, tc.want)
			}
		})
	}
}
