package http

import (
	"errors"
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// EUnsupportedGrantType is the RFC 6749 §5.2 code of a grant_type that
// POST /oauth/token does not serve (only refresh_token): 400.
const EUnsupportedGrantType = "unsupported_grant_type"

// oauthToken serves POST /oauth/token, the token endpoint of RFC 6749 for
// the refresh_token grant (§6) only: what POST /tokens/refresh does, for
// OAuth libraries that refresh through a form and need a token_endpoint
// in the discovery metadata. Sign-in stays the JSON route POST /sign-in
// (no password grant). Refusals are RFC 6749 §5.2 errors: 400, with
// invalid_grant for every refresh token that is not accepted.
func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) error {
	form, err := decodeForm(w, r, s.MaxBodyBytes)
	if err != nil {
		return err
	}
	grant, err := formValue(form, "grant_type", true)
	if err != nil {
		return err
	}
	if grant != "refresh_token" {
		return tokenmanager.Errorf(EUnsupportedGrantType, "only the refresh_token grant is served here; sign in with POST /sign-in")
	}
	token, err := formValue(form, "refresh_token", true)
	if err != nil {
		return err
	}
	if _, err := formValue(form, "scope", false); err != nil {
		return err
	}
	pair, err := s.Manager.Refresh(r.Context(), token, s.sessionMeta(r))
	if err != nil {
		return grantError(refreshRefusal(err))
	}
	writeNoStore(w, http.StatusOK, pair)
	return nil
}

// grantError answers a refused grant with 400, as RFC 6749 §5.2 says of
// the token endpoint (the JSON refresh route answers 401).
func grantError(err error) error {
	if tokenmanager.ErrorCode(err) != tokenmanager.EInvalidGrant {
		return err
	}
	return &withStatus{err, http.StatusBadRequest}
}

// withStatus is an error answered with a status other than its code's.
type withStatus struct {
	error
	status int
}

// Unwrap returns the error, whose code and message are answered.
func (e *withStatus) Unwrap() error { return e.error }

// statusOverride returns the status an error asks for, or 0.
func statusOverride(err error) int {
	var ws *withStatus
	if errors.As(err, &ws) {
		return ws.status
	}
	return 0
}
