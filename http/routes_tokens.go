package http

import (
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// refreshBody is the body of POST /tokens/refresh and /tokens/revoke.
type refreshBody struct {
	RefreshToken string `json:"refresh_token"`
}

// readRefreshToken decodes a refreshBody and requires its token.
func (s *Server) readRefreshToken(w http.ResponseWriter, r *http.Request) (string, error) {
	var in refreshBody
	if err := decodeJSON(w, r, s.MaxBodyBytes, &in); err != nil {
		return "", err
	}
	if in.RefreshToken == "" {
		return "", tokenmanager.Errorf(tokenmanager.EInvalid, "refresh_token is required")
	}
	return in.RefreshToken, nil
}

// refresh serves POST /tokens/refresh: a new pair for a current refresh
// token, which it retires. A retired one presented after the reuse grace
// cancels its session (the Manager decides); every refusal is a 401.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) error {
	token, err := s.readRefreshToken(w, r)
	if err != nil {
		return err
	}
	pair, err := s.Manager.Refresh(r.Context(), token, s.sessionMeta(r))
	if err != nil {
		return refreshRefusal(err)
	}
	writeNoStore(w, http.StatusOK, pair)
	return nil
}

// ErrRefreshRefused is the one answer to a refresh token that is not
// accepted, whatever the reason (malformed, unknown, expired, cancelled,
// retired, its session signed out while the refresh ran): 401
// invalid_grant with one message, so the answer does not tell a holder
// of the token whether its session is alive. The reason is logged.
var ErrRefreshRefused = &tokenmanager.Error{Code: tokenmanager.EInvalidGrant, Message: "the refresh token is not valid; sign in again"}

// refreshRefusal turns a failed refresh into ErrRefreshRefused, keeping
// the cause for the log, except when the server is at fault (5xx), which
// the client must be able to tell from a refusal so as to retry.
func refreshRefusal(err error) error {
	switch tokenmanager.ErrorCode(err) {
	case tokenmanager.EUnavailable, tokenmanager.EInternal:
		return err
	}
	return &tokenmanager.Error{Code: ErrRefreshRefused.Code, Message: ErrRefreshRefused.Message, Err: err}
}

// revokeRefresh serves POST /tokens/revoke: 204 once the token's session
// is cancelled. An unknown or already cancelled token also gets 204, as in
// RFC 7009: either way the token no longer works, and the answer tells a
// guesser nothing.
func (s *Server) revokeRefresh(w http.ResponseWriter, r *http.Request) error {
	token, err := s.readRefreshToken(w, r)
	if err != nil {
		return err
	}
	err = s.Manager.RevokeRefresh(r.Context(), token)
	if err != nil && tokenmanager.ErrorCode(err) != tokenmanager.EInvalidGrant {
		return err
	}
	return noContent(w)
}

// cancelOwnToken serves POST /tokens/cancel: it cancels the presented
// access token itself, the original design's endpoint.
func (s *Server) cancelOwnToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.Manager.CancelToken(r.Context(), mustClaims(r)); err != nil {
		return err
	}
	return noContent(w)
}

// signOut serves POST /sign-out?scope=local|others|global: it cancels this
// session (the default), every other session of the subject, or all of
// them (every token of the subject issued until now).
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	c := mustClaims(r)
	var err error
	switch scope := r.URL.Query().Get("scope"); scope {
	case "", "local":
		err = s.cancelCurrent(r, c)
	case "others":
		err = s.Manager.CancelOtherSessions(r.Context(), c.Subject, c.SessionID)
	case "global":
		err = s.Manager.CancelSubject(r.Context(), c.Subject)
	default:
		err = tokenmanager.Errorf(tokenmanager.EInvalid, "scope must be local, others or global")
	}
	if err != nil {
		return err
	}
	return noContent(w)
}

// cancelCurrent cancels the session of c, or the token alone when it
// belongs to no session (a token a library issued without one).
func (s *Server) cancelCurrent(r *http.Request, c *tokenmanager.Claims) error {
	if c.SessionID == "" {
		return s.Manager.CancelToken(r.Context(), c)
	}
	return s.Manager.CancelSessionOf(r.Context(), c.SessionID, c.Subject)
}

// noContent answers 204.
func noContent(w http.ResponseWriter) error {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
