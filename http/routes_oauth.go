package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// oauthRevoke serves POST /oauth/revoke (RFC 7009). The caller is an
// admin, a service client with the revoke scope, or holds the token: as
// the bearer token, or, for a refresh token (which cannot be a bearer
// token), by presenting it at all. The answer is 200 whether or not the
// token was known, so it tells a guesser nothing.
func (s *Server) oauthRevoke(w http.ResponseWriter, r *http.Request) error {
	form, token, err := s.readTokenForm(w, r)
	if err != nil {
		return err
	}
	if err := s.mayRevoke(r, form, token); err != nil {
		return err
	}
	if err := s.Manager.Revoke(r.Context(), token); err != nil && isServerError(err) {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// readTokenForm reads the form of the OAuth endpoints: token (required)
// and token_type_hint (optional, at most once, otherwise ignored: the
// token's form tells its type).
func (s *Server) readTokenForm(w http.ResponseWriter, r *http.Request) (url.Values, string, error) {
	form, err := decodeForm(w, r, s.MaxBodyBytes)
	if err != nil {
		return nil, "", err
	}
	if _, err := formValue(form, "token_type_hint", false); err != nil {
		return nil, "", err
	}
	token, err := formValue(form, "token", true)
	return form, token, err
}

// mayRevoke says whether the caller may revoke token: 401 for wrong
// client credentials or without a valid bearer token, 403 for a client
// without the revoke scope or with another user's token.
func (s *Server) mayRevoke(r *http.Request, form url.Values, token string) error {
	c, err := s.client(r, form)
	switch {
	case err != nil:
		return err
	case c != nil && !c.HasScope(tokenmanager.ScopeRevoke):
		return tokenmanager.Errorf(tokenmanager.EForbidden, "the client has no %q scope", tokenmanager.ScopeRevoke)
	case c != nil, s.isAdmin(r), rawTokenFrom(r.Context()) == token, isRefreshShaped(token):
		return nil
	}
	if _, ok := ClaimsFrom(r.Context()); ok {
		return tokenmanager.Errorf(tokenmanager.EForbidden, "only an admin or the token's holder may revoke it")
	}
	return ErrorFrom(r.Context())
}

// isRefreshShaped reports whether token has the form of a refresh token
// rather than of an access token (a JWS, with dots): holding a refresh
// token is what proves the right to revoke it.
func isRefreshShaped(token string) bool { return !strings.Contains(token, ".") }

// isServerError reports whether err is the server's fault (5xx) rather
// than the token's.
func isServerError(err error) bool {
	_, status := codeAndStatus(err)
	return status >= http.StatusInternalServerError
}

// introspection is the RFC 7662 answer. An inactive token gets
// {"active":false} and nothing else.
type introspection struct {
	Active    bool     `json:"active"`
	TokenType string   `json:"token_type,omitempty"`
	Subject   string   `json:"sub,omitempty"`
	Username  string   `json:"username,omitempty"`
	Issuer    string   `json:"iss,omitempty"`
	Audience  []string `json:"aud,omitempty"`
	ExpiresAt int64    `json:"exp,omitempty"`
	IssuedAt  int64    `json:"iat,omitempty"`
	NotBefore int64    `json:"nbf,omitempty"`
	ID        string   `json:"jti,omitempty"`
	SessionID string   `json:"sid,omitempty"`
}

// oauthIntrospect serves POST /oauth/introspect (RFC 7662), for admins
// and service clients with the introspect scope: whether a token is
// active now (signature, expiry and the cancelled set), and its claims.
func (s *Server) oauthIntrospect(w http.ResponseWriter, r *http.Request) error {
	form, token, err := s.readTokenForm(w, r)
	if err != nil {
		return s.authFirst(r, err)
	}
	if _, err := s.authorize(r, form, tokenmanager.ScopeIntrospect); err != nil {
		return err
	}
	info, err := s.Manager.Introspect(r.Context(), token)
	if err != nil {
		return err
	}
	writeNoStore(w, http.StatusOK, s.toIntrospection(info))
	return nil
}

// authFirst returns, for a request whose form is refused, the refusal of
// its credentials when it plainly has none worth reading (no client
// credentials possible, no valid bearer token): a caller without the
// right to call learns nothing about the body.
func (s *Server) authFirst(r *http.Request, formErr error) error {
	if _, ok := ClaimsFrom(r.Context()); ok || r.Header.Get("Authorization") != "" || isForm(r) {
		return formErr
	}
	return ErrorFrom(r.Context())
}

// tokenType is the RFC 7662 token_type of an introspected token: an
// access token is used as a Bearer token (RFC 6750), and a refresh token
// is named for what it is.
func tokenType(t string) string {
	if t == tokenmanager.AccessTokenType {
		return "Bearer"
	}
	return t
}

// toIntrospection describes info; exp, iat and nbf are Unix seconds.
func (s *Server) toIntrospection(info *tokenmanager.TokenInfo) introspection {
	switch {
	case !info.Active:
		return introspection{}
	case info.Claims != nil:
		c := info.Claims
		out := introspection{Active: true, TokenType: tokenType(info.Type), Subject: c.Subject, Username: c.Subject,
			Issuer: c.Issuer, Audience: c.Audience, ExpiresAt: c.ExpiresAt.Unix(), IssuedAt: c.IssuedAt.Unix(),
			ID: c.ID, SessionID: c.SessionID}
		if !c.NotBefore.IsZero() {
			out.NotBefore = c.NotBefore.Unix()
		}
		return out
	case info.Session != nil:
		ss := info.Session
		return introspection{Active: true, TokenType: info.Type, Subject: ss.Subject, Username: ss.Subject,
			Issuer: s.Manager.Config().Issuer, ExpiresAt: ss.RefreshExpiresAt.Unix(),
			IssuedAt: ss.RotatedAt.Unix(), SessionID: ss.ID}
	}
	return introspection{}
}
