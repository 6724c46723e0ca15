package http

import (
	_ "embed"
	"net/http"
	"slices"
	"strings"
)

// openAPIDoc is the OpenAPI 3 description of every route of Server.Handler,
// served at GET /openapi.json. A test checks it against Server.Routes.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves GET /openapi.json.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(openAPIDoc)
	return err
}

// Metadata is the authorization server metadata of RFC 8414, served at
// GET /.well-known/oauth-authorization-server and, as the subset of
// OpenID Connect Discovery that applies, /.well-known/openid-configuration.
//
// TokenManager has no OAuth authorization endpoint (sign-in is its own
// JSON route), so authorization_endpoint is absent and the response types
// an empty list; its token endpoint serves the refresh_token grant only.
// It issues no ID tokens, so the OpenID fields about them are absent too.
// The tokenmanager_ fields are extensions (RFC 8414 §2).
type Metadata struct {
	Issuer string `json:"issuer"`
	// JWKSURI is absent when the Server publishes no keys (HS256).
	JWKSURI string `json:"jwks_uri,omitempty"`
	// TokenEndpoint serves the refresh_token grant only (RFC 6749 §6).
	TokenEndpoint         string `json:"token_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	// RevocationAuthMethods are the service clients' methods
	// (client_secret_basic, client_secret_post), and "none": a refresh
	// token is also revoked by presenting it, an access token by sending
	// it as the bearer token (or by an admin).
	RevocationAuthMethods []string `json:"revocation_endpoint_auth_methods_supported"`
	// IntrospectionAuthMethods are the service clients' methods; an
	// admin's bearer token is accepted too.
	IntrospectionAuthMethods []string `json:"introspection_endpoint_auth_methods_supported"`
	// TokenAuthMethods is "none": a refresh token is its own proof.
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	ResponseTypes    []string `json:"response_types_supported"`
	GrantTypes       []string `json:"grant_types_supported"`
	// OpenAPI is the URL of this server's OpenAPI document.
	OpenAPI string `json:"tokenmanager_openapi_uri"`
	// CancellationEvents is the URL of the Server-Sent Events stream of
	// cancellations (admin only).
	CancellationEvents string `json:"tokenmanager_cancellation_events_endpoint"`

	// SigningAlgs (see signing_algs.go) names the algorithms of the
	// published keys, where OpenID Connect verifiers look for them.
	SigningAlgs []string `json:"id_token_signing_alg_values_supported,omitempty"`
}

// metadata serves both discovery documents.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) error {
	base := s.baseURL(r)
	m := Metadata{
		Issuer:                   s.Manager.Config().Issuer,
		TokenEndpoint:            base + "/oauth/token",
		TokenAuthMethods:         []string{"none"},
		RevocationEndpoint:       base + "/oauth/revoke",
		IntrospectionEndpoint:    base + "/oauth/introspect",
		RevocationAuthMethods:    append(slices.Clone(ClientAuthMethods), "none"),
		IntrospectionAuthMethods: slices.Clone(ClientAuthMethods),
		ResponseTypes:            []string{},
		GrantTypes:               []string{"refresh_token"},
		OpenAPI:                  base + "/openapi.json",
		CancellationEvents:       base + "/events/cancellations",
	}
	if m.Issuer == "" {
		m.Issuer = base
	}
	if s.JWKS != nil {
		m.JWKSURI = base + "/.well-known/jwks.json"
		m.SigningAlgs = s.signingAlgs()
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	if s.PublicURL == "" {
		w.Header().Set("Vary", "Host, X-Forwarded-Proto")
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// baseURL is PublicURL, or the scheme and host the request was sent to.
func (s *Server) baseURL(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); s.TrustProxyHeaders && (p == "http" || p == "https") {
		scheme = p
	}
	return scheme + "://" + r.Host
}
