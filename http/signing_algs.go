package http

import (
	"strconv"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// The discovery documents name the signing algorithms of the published
// keys in id_token_signing_alg_values_supported (OpenID Connect Discovery
// 1.0 §3). TokenManager issues no ID tokens; its access tokens are what
// OpenID Connect libraries are pointed at, and go-oidc, for one, assumes
// RS256 when the field is absent and then refuses EdDSA and ES256 tokens.
// No other *_signing_alg_values_supported field applies: they name the
// algorithms of JWTs that clients sign to authenticate (private_key_jwt,
// client_secret_jwt) at the token, introspection or revocation endpoint,
// and no endpoint here takes such assertions (the token endpoint's method
// is "none", the others' client_secret_basic and client_secret_post).

// signingAlgs returns SigningAlgs(), or nil when unset or empty (HS256:
// nothing is published).
func (s *Server) signingAlgs() []string {
	if s.SigningAlgs == nil {
		return nil
	}
	if algs := s.SigningAlgs(); len(algs) > 0 {
		return algs
	}
	return nil
}

// jwksCacheControl is the Cache-Control of the JWKS: public, for
// JWKSMaxAge.
func (s *Server) jwksCacheControl() string {
	d := s.JWKSMaxAge
	if d <= 0 {
		d = tokenmanager.DefaultJWKSMaxAge
	}
	return "public, max-age=" + strconv.FormatInt(int64(d/time.Second), 10)
}
