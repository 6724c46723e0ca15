package http_test

import (
	"net/http"
	"slices"
	"testing"

	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

func TestMetadata(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		hdr       []string
		wantBase  string
	}{
		{"FromHost", "", nil, "http://auth.example:8443"},
		{"ForwardedProtoIgnored", "", []string{"X-Forwarded-Proto", "https"}, "http://auth.example:8443"},
		{"PublicURL", "https://tm.example.com/", nil, "https://tm.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.PublicURL = tt.publicURL } })
			for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
				r := e.callHost(t, "auth.example:8443", path, tt.hdr...)
				wantStatus(t, r, http.StatusOK)
				m := decode[tmhttp.Metadata](t, r)
				want := tmhttp.Metadata{
					Issuer: issuer, JWKSURI: tt.wantBase + "/.well-known/jwks.json",
					RevocationEndpoint:    tt.wantBase + "/oauth/revoke",
					IntrospectionEndpoint: tt.wantBase + "/oauth/introspect",
					OpenAPI:               tt.wantBase + "/openapi.json",
					CancellationEvents:    tt.wantBase + "/events/cancellations",
				}
				if m.Issuer != want.Issuer || m.JWKSURI != want.JWKSURI || m.RevocationEndpoint != want.RevocationEndpoint ||
					m.IntrospectionEndpoint != want.IntrospectionEndpoint || m.OpenAPI != want.OpenAPI ||
					m.CancellationEvents != want.CancellationEvents {
					t.Errorf("%s = %+v, want %+v", path, m, want)
				}
				if !slices.Contains(m.RevocationAuthMethods, "client_secret_basic") || m.ResponseTypes == nil || m.GrantTypes == nil {
					t.Errorf("%s: auth methods %v, response types %v, grant types %v", path, m.RevocationAuthMethods, m.ResponseTypes, m.GrantTypes)
				}
				if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=300" {
					t.Errorf("Cache-Control = %q", cc)
				}
			}
		})
	}
}

func TestMetadataTrustedProxy(t *testing.T) {
	e := newEnv(t, func(s *setup) {
		s.server = func(srv *tmhttp.Server) { srv.TrustProxyHeaders = true }
	})
	r := e.callHost(t, "auth.example", "/.well-known/oauth-authorization-server", "X-Forwarded-Proto", "https")
	if m := decode[tmhttp.Metadata](t, r); m.JWKSURI != "https://auth.example/.well-known/jwks.json" {
		t.Fatalf("jwks_uri = %q", m.JWKSURI)
	}
}

func TestMetadataWithoutJWKS(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.JWKS = nil } })
	r := e.call(t, "GET", "/.well-known/oauth-authorization-server", nil)
	if m := decode[map[string]any](t, r); m["jwks_uri"] != nil {
		t.Fatalf("jwks_uri = %v, want none (HS256 publishes no keys)", m["jwks_uri"])
	}
}

// callHost sends a GET with the given Host header.
func (e *env) callHost(t *testing.T, host, path string, hdr ...string) *response {
	t.Helper()
	req := newRequest(t, "GET", e.URL+path, nil, hdr...)
	req.Host = host
	return e.do(t, req)
}
