package http

import (
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// credentials is the body of sign-up and sign-in.
type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// signUp serves POST /sign-up: 201 and the account.
func (s *Server) signUp(w http.ResponseWriter, r *http.Request) error {
	var in credentials
	if err := decodeJSON(w, r, s.MaxBodyBytes, &in); err != nil {
		return err
	}
	acc, err := s.Accounts.SignUp(r.Context(), in.Username, in.Password)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/account")
	writeJSON(w, http.StatusCreated, acc)
	return nil
}

// signIn serves POST /sign-in: it checks the password (rate-limited per
// username and client address) and starts a session on this device.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	var in credentials
	if err := decodeJSON(w, r, s.MaxBodyBytes, &in); err != nil {
		return err
	}
	meta := s.sessionMeta(r)
	acc, err := s.Accounts.SignIn(r.Context(), capUsername(in.Username), in.Password, meta.Address)
	if err != nil {
		return err
	}
	pair, err := s.Manager.Issue(r.Context(), acc.Username, meta)
	if err != nil {
		return err
	}
	if err := s.confirmSignIn(r.Context(), acc, pair); err != nil {
		return err
	}
	writeNoStore(w, http.StatusOK, pair)
	return nil
}

// maxSentUsername is longer than any name CanonicalUsername accepts.
const maxSentUsername = 4*tokenmanager.MaxUsernameLen + 1

// capUsername bounds the name passed to SignIn. The sign-in limiter keys
// failures by the name as sent when it cannot be a username, so without
// a cap a flood of 64 KiB names would make each tracked key 64 KiB. A
// capped name is still too long to be valid: the answer does not change.
func capUsername(name string) string {
	if len(name) > maxSentUsername {
		return name[:maxSentUsername]
	}
	return name
}

// account serves GET /account: the account of the token's subject.
func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	c := mustClaims(r)
	acc, err := s.Accounts.Account(r.Context(), c.Subject)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, acc)
	return nil
}

// mustClaims returns the claims of a request that passed Require.
func mustClaims(r *http.Request) *tokenmanager.Claims {
	c, ok := ClaimsFrom(r.Context())
	if !ok {
		panic("tokenmanager/http: a user route was served without Require")
	}
	return c
}
