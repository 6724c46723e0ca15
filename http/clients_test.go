package http_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// addClient creates a service client in the env's store and returns its
// secret.
func (e *env) addClient(t testing.TB, id string, scopes ...string) string {
	t.Helper()
	_, secret, err := tokenmanager.AddClient(t.Context(), e.store.(tokenmanager.ClientStore), id, scopes, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// basic is an Authorization: Basic value as RFC 6749 §2.3.1 builds it:
// id and secret form-urlencoded, then base64.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func TestClientIntrospect(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	secret := e.addClient(t, "rs.1", tokenmanager.ScopeIntrospect)
	noScope := e.addClient(t, "feed", tokenmanager.ScopeEvents)
	rawBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte("rs%2E1:"+secret)) // needlessly escaped, still the same id
	for _, tc := range []struct {
		name   string
		form   url.Values
		hdr    []string
		status int
		code   string
	}{
		{"Basic", formOf("token", p.AccessToken), []string{"Authorization", basic("rs.1", secret)}, 200, ""},
		{"BasicFormEncoded", formOf("token", p.AccessToken), []string{"Authorization", rawBasic}, 200, ""},
		{"Post", formOf("token", p.AccessToken, "client_id", "rs.1", "client_secret", secret), nil, 200, ""},
		{"WrongSecret", formOf("token", p.AccessToken), []string{"Authorization", basic("rs.1", secret+"x")}, 401, tokenmanager.EInvalidClient},
		{"UnknownClient", formOf("token", p.AccessToken), []string{"Authorization", basic("nobody", secret)}, 401, tokenmanager.EInvalidClient},
		{"PostWrongSecret", formOf("token", p.AccessToken, "client_id", "rs.1", "client_secret", "x"), nil, 401, tokenmanager.EInvalidClient},
		{"PostNoSecret", formOf("token", p.AccessToken, "client_id", "rs.1"), nil, 401, tokenmanager.EInvalidClient},
		{"NotBase64", formOf("token", p.AccessToken), []string{"Authorization", "Basic %%%"}, 401, tokenmanager.EInvalidClient},
		{"BothMethods", formOf("token", p.AccessToken, "client_id", "rs.1", "client_secret", secret), []string{"Authorization", basic("rs.1", secret)}, 400, tokenmanager.EInvalid},
		{"NoScope", formOf("token", p.AccessToken), []string{"Authorization", basic("feed", noScope)}, 403, tokenmanager.EForbidden},
		{"UserToken", formOf("token", p.AccessToken), []string{"Bearer", p.AccessToken}, 403, tokenmanager.EForbidden},
		{"Nothing", formOf("token", p.AccessToken), nil, 401, tokenmanager.EInvalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "POST", "/oauth/introspect", tc.form, tc.hdr...)
			if tc.status != 200 {
				wantError(t, r, tc.status, tc.code)
				return
			}
			wantStatus(t, r, 200)
			if got := decodeNumbers(t, r); got["active"] != true || got["token_type"] != "Bearer" || got["sub"] != "alice" {
				t.Fatalf("introspection = %v", got)
			}
		})
	}
	t.Run("InvalidClientChallengesBasic", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/introspect", formOf("token", p.AccessToken), "Authorization", basic("rs.1", "wrong"))
		if c := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(c, "Basic ") {
			t.Fatalf("WWW-Authenticate = %q, want a Basic challenge (RFC 6749 §5.2)", c)
		}
	})
	t.Run("CancelledIsInactive", func(t *testing.T) {
		wantStatus(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", p.AccessToken), http.StatusNoContent)
		r := e.call(t, "POST", "/oauth/introspect", formOf("token", p.AccessToken), "Authorization", basic("rs.1", secret))
		if wantStatus(t, r, 200); strings.TrimSpace(string(r.Body)) != `{"active":false}` {
			t.Fatalf("body = %s", r.Body)
		}
	})
}

func TestClientRevoke(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	revoker := e.addClient(t, "revoker", tokenmanager.ScopeRevoke)
	rs := e.addClient(t, "rs", tokenmanager.ScopeIntrospect)
	t.Run("NoScope", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/revoke", formOf("token", p.AccessToken), "Authorization", basic("rs", rs))
		wantError(t, r, http.StatusForbidden, tokenmanager.EForbidden)
	})
	t.Run("WrongSecretEvenForARefreshToken", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/revoke", formOf("token", p.RefreshToken), "Authorization", basic("revoker", "x"))
		wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidClient)
	})
	t.Run("AnyAccessToken", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/revoke", formOf("token", p.AccessToken, "client_id", "revoker", "client_secret", revoker))
		wantStatus(t, r, http.StatusOK)
		wantError(t, e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
}

func TestClientEvents(t *testing.T) {
	e := newEnv(t)
	feed := e.addClient(t, "feed", tokenmanager.ScopeEvents)
	rs := e.addClient(t, "rs", tokenmanager.ScopeIntrospect)
	open := func(t *testing.T, auth string, body url.Values) *http.Response {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		req := newRequest(t, "GET", e.URL+"/events/cancellations", body, "Authorization", auth)
		if auth == "" {
			req.Header.Del("Authorization")
		}
		res, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	for _, tc := range []struct {
		name   string
		auth   string
		body   url.Values
		status int
	}{
		{"Basic", basic("feed", feed), nil, 200},
		{"Post", "", formOf("client_id", "feed", "client_secret", feed), 200},
		{"NoScope", basic("rs", rs), nil, 403},
		{"WrongSecret", basic("feed", rs), nil, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := open(t, tc.auth, tc.body)
			if res.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.status)
			}
			if tc.status == 200 && res.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("Content-Type = %q", res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestMetadataNamesClientAuthMethods(t *testing.T) {
	e := newEnv(t)
	m := decode[map[string]any](t, e.call(t, "GET", "/.well-known/oauth-authorization-server", nil))
	for _, k := range []string{"introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"} {
		got, _ := m[k].([]any)
		var names []string
		for _, v := range got {
			names = append(names, v.(string))
		}
		if s := strings.Join(names, " "); !strings.Contains(s, "client_secret_basic") || !strings.Contains(s, "client_secret_post") {
			t.Errorf("%s = %v, want client_secret_basic and client_secret_post", k, got)
		}
	}
}
