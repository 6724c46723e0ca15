package http

import (
	"context"
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// The account lifecycle: a user changes their password or deletes their
// account; an admin (or the operator, on the socket) disables, enables or
// deletes one. Each cancels the tokens it must before its 204.

// lifecycleRoutes are the user's routes; served with the account routes.
func (s *Server) lifecycleRoutes() []route {
	return []route{
		{"POST /account/password", user, s.changePassword},
		{"DELETE /account", user, s.deleteOwnAccount},
	}
}

// lifecycleAdminRoutes are the admin's routes, for the public API and the
// operator socket alike; none without accounts.
func (s *Server) lifecycleAdminRoutes(who access) []route {
	if s.Accounts == nil {
		return nil
	}
	return []route{
		{"POST /admin/users/{username}/disable", who, s.disableUser},
		{"POST /admin/users/{username}/enable", who, s.enableUser},
		{"DELETE /admin/users/{username}", who, s.deleteUser},
	}
}

// passwordChange is the body of POST /account/password.
type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword serves POST /account/password: 204 once the password is
// changed and every other session of the user is cancelled; this session
// stays. A wrong current password is 403 access_denied, a weak new one 400.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordChange
	if err := decodeJSON(w, r, s.MaxBodyBytes, &in); err != nil {
		return err
	}
	c := mustClaims(r)
	err := s.Accounts.ChangePassword(r.Context(), s.Manager, c.Subject, c.SessionID,
		in.CurrentPassword, in.NewPassword, s.clientAddress(r))
	if err != nil {
		return err
	}
	return noContent(w)
}

// passwordBody is the body of DELETE /account.
type passwordBody struct {
	Password string `json:"password"`
}

// deleteOwnAccount serves DELETE /account: 204 once every token of the
// user is cancelled and the account deleted; 403 for a wrong password.
func (s *Server) deleteOwnAccount(w http.ResponseWriter, r *http.Request) error {
	var in passwordBody
	if err := decodeJSON(w, r, s.MaxBodyBytes, &in); err != nil {
		return err
	}
	err := s.Accounts.DeleteOwn(r.Context(), s.Manager, mustClaims(r).Subject, in.Password, s.clientAddress(r))
	if err != nil {
		return err
	}
	return noContent(w)
}

// disableUser serves POST /admin/users/{username}/disable: 204 once every
// token of the user is cancelled; sign-in and refresh are refused until
// enableUser. An unknown user is 404.
func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.Accounts.Disable(r.Context(), s.Manager, r.PathValue("username")); err != nil {
		return err
	}
	return noContent(w)
}

// enableUser serves POST /admin/users/{username}/enable.
func (s *Server) enableUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.Accounts.Enable(r.Context(), r.PathValue("username")); err != nil {
		return err
	}
	return noContent(w)
}

// deleteUser serves DELETE /admin/users/{username}: as DELETE /account,
// without the password.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.Accounts.Delete(r.Context(), s.Manager, r.PathValue("username")); err != nil {
		return err
	}
	return noContent(w)
}

// confirmSignIn refuses a sign-in whose account changed while its session
// was being started (disabled, deleted, new password: Accounts.Confirm),
// and cancels that session, whose tokens are never sent.
func (s *Server) confirmSignIn(ctx context.Context, acc *tokenmanager.Account, pair *tokenmanager.TokenPair) error {
	err := s.Accounts.Confirm(ctx, acc)
	if err == nil {
		return nil
	}
	if cerr := s.Manager.CancelSession(ctx, pair.SessionID); cerr != nil {
		s.Logger.Warn("a refused sign-in's session was not cancelled; its tokens were never sent",
			"session", pair.SessionID, "err", cerr)
	}
	return err
}

// admitRefreshes makes the Manager refuse the refreshes of disabled
// accounts, unless it already has an Admit hook.
func (s *Server) admitRefreshes() {
	if s.Accounts != nil && s.Manager.Admit == nil {
		s.Manager.Admit = s.Accounts.Admit
	}
}
