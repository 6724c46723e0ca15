package http_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

func TestAdminCancelUser(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	a1 := e.user(t, "alice")
	a2 := e.signIn(t, "alice")
	bob := e.user(t, "bob")
	wantStatus(t, e.call(t, "POST", "/admin/users/ALICE/cancel", nil, "Bearer", root.AccessToken), http.StatusNoContent)
	t.Run("EveryTokenCancelled", func(t *testing.T) {
		if e.works(t, a1.AccessToken) || e.works(t, a2.AccessToken) {
			t.Fatal("every access token of alice must be cancelled")
		}
		wantError(t, e.refresh(t, a1.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		wantError(t, e.refresh(t, a2.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
	})
	t.Run("OthersUntouched", func(t *testing.T) {
		if !e.works(t, bob.AccessToken) || !e.works(t, root.AccessToken) {
			t.Fatal("other users must keep working")
		}
	})
	t.Run("SignInAtOnceWorks", func(t *testing.T) {
		p := e.signIn(t, "alice")
		if !e.works(t, p.AccessToken) || e.refresh(t, p.RefreshToken).Status != http.StatusOK {
			t.Fatal("a sign-in right after the cancellation must work")
		}
	})
	t.Run("UnknownUserIs204", func(t *testing.T) {
		wantStatus(t, e.call(t, "POST", "/admin/users/nobody/cancel", nil, "Bearer", root.AccessToken), http.StatusNoContent)
	})
	t.Run("InvalidName", func(t *testing.T) {
		wantError(t, e.call(t, "POST", "/admin/users/a%20b/cancel", nil, "Bearer", root.AccessToken), http.StatusBadRequest, tokenmanager.EInvalid)
	})
}

func TestAdminRoutesRefuseOthers(t *testing.T) {
	e := newEnv(t)
	bob := e.user(t, "bob")
	victim := e.user(t, "alice")
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"CancelUser", "POST", "/admin/users/alice/cancel", nil},
		{"UserSessions", "GET", "/admin/users/alice/sessions", nil},
		{"CancelToken", "POST", "/admin/tokens/cancel", map[string]string{"token": victim.AccessToken}},
		{"CancelSession", "POST", "/admin/sessions/" + victim.SessionID + "/cancel", nil},
		{"Status", "GET", "/admin/status", nil},
		{"Introspect", "POST", "/oauth/introspect", formOf("token", victim.AccessToken)},
	} {
		t.Run(tc.name+"/NonAdmin", func(t *testing.T) {
			wantError(t, e.call(t, tc.method, tc.path, tc.body, "Bearer", bob.AccessToken), http.StatusForbidden, tokenmanager.EForbidden)
		})
		t.Run(tc.name+"/NoToken", func(t *testing.T) {
			wantError(t, e.call(t, tc.method, tc.path, tc.body), http.StatusUnauthorized, tokenmanager.EInvalidToken)
		})
	}
	if !e.works(t, victim.AccessToken) {
		t.Fatal("refused admin calls must cancel nothing")
	}
}

func TestAdminCancelToken(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	p := e.user(t, "alice")
	other := e.signIn(t, "alice")
	cancel := func(token string) *response {
		return e.call(t, "POST", "/admin/tokens/cancel", map[string]string{"token": token}, "Bearer", root.AccessToken)
	}
	t.Run("AccessToken", func(t *testing.T) {
		wantStatus(t, cancel(p.AccessToken), http.StatusNoContent)
		if e.works(t, p.AccessToken) || !e.works(t, other.AccessToken) {
			t.Fatal("only the named access token must be cancelled")
		}
	})
	t.Run("RefreshToken", func(t *testing.T) {
		wantStatus(t, cancel(other.RefreshToken), http.StatusNoContent)
		wantError(t, e.refresh(t, other.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
		if e.works(t, other.AccessToken) {
			t.Fatal("the refresh token's session must be cancelled")
		}
	})
	t.Run("GarbageIs400", func(t *testing.T) { wantError(t, cancel("garbage"), http.StatusBadRequest, tokenmanager.EInvalid) })
	t.Run("ForgedJWTIs400", func(t *testing.T) { wantError(t, cancel("a.b.c"), http.StatusBadRequest, tokenmanager.EInvalid) })
	t.Run("MissingIs400", func(t *testing.T) { wantError(t, cancel(""), http.StatusBadRequest, tokenmanager.EInvalid) })
}

// TestOperatorHandler drives the Unix-socket API: no bearer token, the
// same handlers as the public admin routes.
func TestOperatorHandler(t *testing.T) {
	e := newEnv(t)
	op := &env{Server: httptest.NewServer(e.srv.AdminHandler())}
	t.Cleanup(op.Close)
	a := e.user(t, "alice")
	b := e.signIn(t, "alice")
	t.Run("UserSessions", func(t *testing.T) {
		r := op.call(t, "GET", "/admin/users/Alice/sessions", nil)
		wantStatus(t, r, http.StatusOK)
		if l := decode[sessionList](t, r); len(l.Sessions) != 2 {
			t.Fatalf("sessions = %+v", l)
		}
	})
	t.Run("CancelSession", func(t *testing.T) {
		wantStatus(t, op.call(t, "POST", "/admin/sessions/"+b.SessionID+"/cancel", nil), http.StatusNoContent)
		if e.works(t, b.AccessToken) || !e.works(t, a.AccessToken) {
			t.Fatal("only the named session must be cancelled")
		}
	})
	t.Run("CancelToken", func(t *testing.T) {
		wantStatus(t, op.call(t, "POST", "/admin/tokens/cancel", map[string]string{"token": a.AccessToken}), http.StatusNoContent)
		if e.works(t, a.AccessToken) {
			t.Fatal("the token must be cancelled")
		}
	})
	t.Run("CancelUser", func(t *testing.T) {
		p := e.signIn(t, "alice")
		wantStatus(t, op.call(t, "POST", "/admin/users/alice/cancel", nil), http.StatusNoContent)
		if e.works(t, p.AccessToken) {
			t.Fatal("the user must be cancelled")
		}
	})
	t.Run("Status", func(t *testing.T) {
		r := op.call(t, "GET", "/admin/status", nil)
		wantStatus(t, r, http.StatusOK)
		st := decode[map[string]any](t, r)
		if st["ready"] != true || st["replica_size"].(float64) < 3 || st["version"] != "test" {
			t.Fatalf("status = %v", st)
		}
	})
	t.Run("PublicRoutesAbsent", func(t *testing.T) {
		wantError(t, op.call(t, "POST", "/sign-in", creds("alice", password)), http.StatusNotFound, tokenmanager.ENotFound)
	})
}
