package http_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// sessionItem is one session of GET /sessions.
type sessionItem struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	UserAgent  string    `json:"user_agent"`
	Address    string    `json:"address"`
	Current    bool      `json:"current"`
}

// sessionList is the body of GET /sessions.
type sessionList struct {
	Sessions []sessionItem `json:"sessions"`
}

func (l sessionList) find(id string) *sessionItem {
	for i := range l.Sessions {
		if l.Sessions[i].ID == id {
			return &l.Sessions[i]
		}
	}
	return nil
}

func (e *env) sessions(t testing.TB, access string) sessionList {
	t.Helper()
	r := e.call(t, "GET", "/sessions", nil, "Bearer", access)
	wantStatus(t, r, http.StatusOK)
	return decode[sessionList](t, r)
}

func TestSessions(t *testing.T) {
	e := newEnv(t)
	a := e.user(t, "alice")
	b := e.signIn(t, "alice", "User-Agent", "laptop")
	bob := e.user(t, "bob")
	t.Run("List", func(t *testing.T) {
		l := e.sessions(t, a.AccessToken)
		sa, sb := l.find(a.SessionID), l.find(b.SessionID)
		if len(l.Sessions) != 2 || sa == nil || sb == nil {
			t.Fatalf("sessions = %+v, want alice's two", l)
		}
		if !sa.Current || sb.Current || sb.UserAgent != "laptop" || sb.Address != "127.0.0.1" || sb.CreatedAt.IsZero() || sb.LastUsedAt.IsZero() {
			t.Fatalf("sessions = %+v", l)
		}
	})
	t.Run("DeleteOthersSessionIs404", func(t *testing.T) {
		r := e.call(t, "DELETE", "/sessions/"+bob.SessionID, nil, "Bearer", a.AccessToken)
		wantError(t, r, http.StatusNotFound, tokenmanager.ENotFound)
		if !e.works(t, bob.AccessToken) {
			t.Fatal("bob's session must be untouched")
		}
	})
	t.Run("DeleteUnknownIs404", func(t *testing.T) {
		wantError(t, e.call(t, "DELETE", "/sessions/nope", nil, "Bearer", a.AccessToken), http.StatusNotFound, tokenmanager.ENotFound)
	})
	t.Run("DeleteOwn", func(t *testing.T) {
		wantStatus(t, e.call(t, "DELETE", "/sessions/"+b.SessionID, nil, "Bearer", a.AccessToken), http.StatusNoContent)
		if e.works(t, b.AccessToken) || !e.works(t, a.AccessToken) {
			t.Fatal("only the deleted session must be cancelled")
		}
		if l := e.sessions(t, a.AccessToken); len(l.Sessions) != 1 || l.find(a.SessionID) == nil {
			t.Fatalf("sessions = %+v, want the current one only", l)
		}
	})
	t.Run("NoToken", func(t *testing.T) {
		wantError(t, e.call(t, "GET", "/sessions", nil), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
}
