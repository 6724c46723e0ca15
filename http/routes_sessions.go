package http

import (
	"net/http"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// sessionJSON is one session as GET /sessions shows it to its owner: no
// salt, no hash, no generation.
type sessionJSON struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	Address    string    `json:"address"`
	Current    bool      `json:"current"`
}

// sessionsJSON is the body of the session lists.
type sessionsJSON struct {
	Sessions []sessionJSON `json:"sessions"`
}

// toSessionsJSON lists ss, marking the session current.
func toSessionsJSON(ss []*tokenmanager.Session, current string) sessionsJSON {
	out := sessionsJSON{Sessions: make([]sessionJSON, 0, len(ss))}
	for _, s := range ss {
		out.Sessions = append(out.Sessions, sessionJSON{
			ID: s.ID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt, ExpiresAt: s.RefreshExpiresAt,
			UserAgent: s.UserAgent, Address: s.Address, Current: current != "" && s.ID == current,
		})
	}
	return out
}

// writeSessions answers with the live sessions of subject.
func (s *Server) writeSessions(w http.ResponseWriter, r *http.Request, subject, current string) error {
	ss, err := s.Manager.Sessions(r.Context(), subject)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, toSessionsJSON(ss, current))
	return nil
}

// listOwnSessions serves GET /sessions: the caller's live sessions, the
// one the token belongs to marked current.
func (s *Server) listOwnSessions(w http.ResponseWriter, r *http.Request) error {
	c := mustClaims(r)
	return s.writeSessions(w, r, c.Subject, c.SessionID)
}

// deleteOwnSession serves DELETE /sessions/{id}: it cancels one of the
// caller's own sessions; another user's session is a 404, so session ids
// cannot be probed.
func (s *Server) deleteOwnSession(w http.ResponseWriter, r *http.Request) error {
	c := mustClaims(r)
	if err := s.Manager.CancelOwnSession(r.Context(), c.Subject, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// listUserSessions serves GET /admin/users/{username}/sessions.
func (s *Server) listUserSessions(w http.ResponseWriter, r *http.Request) error {
	name, err := tokenmanager.CanonicalUsername(r.PathValue("username"))
	if err != nil {
		return err
	}
	return s.writeSessions(w, r, name, "")
}

// cancelAnySession serves POST /admin/sessions/{id}/cancel: whoever the
// session belongs to. An unknown id is cancelled all the same (204), so
// the call is idempotent.
func (s *Server) cancelAnySession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == "" {
		return tokenmanager.Errorf(tokenmanager.EInvalid, "session id is empty")
	}
	if err := s.Manager.CancelSession(r.Context(), id); err != nil {
		return err
	}
	return noContent(w)
}
