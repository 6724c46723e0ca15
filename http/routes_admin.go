package http

import (
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// cancelUser serves POST /admin/users/{username}/cancel: every token of
// the user issued until now, on every device. The name is canonicalised,
// and an unknown user is cancelled all the same (204): the cancellation
// also covers tokens a library issued for subjects without an account.
// A sign-in right after it works.
func (s *Server) cancelUser(w http.ResponseWriter, r *http.Request) error {
	name, err := tokenmanager.CanonicalUsername(r.PathValue("username"))
	if err != nil {
		return err
	}
	if err := s.Manager.CancelSubject(r.Context(), name); err != nil {
		return err
	}
	return noContent(w)
}

// tokenBody is the body of POST /admin/tokens/cancel.
type tokenBody struct {
	Token string `json:"token"`
}

// cancelAnyToken serves POST /admin/tokens/cancel: an access token (its
// jti) or a refresh token (its session). A token that is not one of ours,
// or has expired, is a 400: answering 401 would tell the admin their own
// bearer token was refused.
func (s *Server) cancelAnyToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenBody
	if err := decodeJSON(w, r, s.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Token == "" {
		return tokenmanager.Errorf(tokenmanager.EInvalid, "token is required")
	}
	err := s.Manager.Revoke(r.Context(), in.Token)
	switch tokenmanager.ErrorCode(err) {
	case "":
		return noContent(w)
	case tokenmanager.EInvalidToken, tokenmanager.EInvalidGrant:
		return tokenmanager.Errorf(tokenmanager.EInvalid, "token is not a valid token of this server: %s", tokenmanager.ErrorMessage(err))
	}
	return err
}

// statusJSON is the body of GET /admin/status.
type statusJSON struct {
	Ready            bool    `json:"ready"`
	Reason           string  `json:"reason,omitempty"`
	ReplicaSize      int     `json:"replica_size"`
	ReplicaLive      bool    `json:"replica_live"`
	StalenessSeconds float64 `json:"staleness_seconds"`
	CheckMode        string  `json:"check_mode"`
	Version          string  `json:"version,omitempty"`
}

// status serves GET /admin/status: readiness and the replica's state.
func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	rep := s.Manager.Replica()
	out := statusJSON{
		ReplicaSize: rep.Set.Len(), ReplicaLive: rep.IsLive(),
		StalenessSeconds: rep.Staleness().Seconds(),
		CheckMode:        string(s.Manager.Config().Check), Version: s.Version,
	}
	if err := s.readiness(); err != nil {
		out.Reason = readyReason(err)
	} else {
		out.Ready = true
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}
