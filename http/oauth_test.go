package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// formOf builds a form from name/value pairs.
func formOf(kv ...string) url.Values {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return f
}

func TestOAuthRevoke(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	bob := e.user(t, "bob")
	revoke := func(form url.Values, hdr ...string) *response {
		return e.call(t, "POST", "/oauth/revoke", form, hdr...)
	}
	t.Run("AdminRevokesAccessToken", func(t *testing.T) {
		p := e.signIn(t, "bob")
		wantStatus(t, revoke(formOf("token", p.AccessToken, "token_type_hint", "access_token"), "Bearer", root.AccessToken), http.StatusOK)
		if e.works(t, p.AccessToken) {
			t.Fatal("the token must be cancelled")
		}
	})
	t.Run("TokenRevokesItself", func(t *testing.T) {
		p := e.signIn(t, "bob")
		wantStatus(t, revoke(formOf("token", p.AccessToken), "Bearer", p.AccessToken), http.StatusOK)
		if e.works(t, p.AccessToken) {
			t.Fatal("the token must be cancelled")
		}
	})
	t.Run("RefreshTokenWithoutBearer", func(t *testing.T) {
		p := e.signIn(t, "bob")
		wantStatus(t, revoke(formOf("token", p.RefreshToken, "token_type_hint", "refresh_token")), http.StatusOK)
		wantError(t, e.refresh(t, p.RefreshToken), http.StatusUnauthorized, tokenmanager.EInvalidGrant)
	})
	t.Run("UnknownTokenIs200", func(t *testing.T) {
		wantStatus(t, revoke(formOf("token", "x.y.z"), "Bearer", root.AccessToken), http.StatusOK)
		wantStatus(t, revoke(formOf("token", "unknown-refresh-token")), http.StatusOK)
	})
	t.Run("AccessTokenWithoutBearerIs401", func(t *testing.T) {
		p := e.signIn(t, "bob")
		wantError(t, revoke(formOf("token", p.AccessToken)), http.StatusUnauthorized, tokenmanager.EInvalidToken)
		if !e.works(t, p.AccessToken) {
			t.Fatal("a refused revocation must cancel nothing")
		}
	})
	t.Run("OtherUsersTokenIs403", func(t *testing.T) {
		wantError(t, revoke(formOf("token", root.AccessToken), "Bearer", bob.AccessToken), http.StatusForbidden, tokenmanager.EForbidden)
		if !e.works(t, root.AccessToken) {
			t.Fatal("a refused revocation must cancel nothing")
		}
	})
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"MissingToken", formOf("token_type_hint", "access_token"), 400, tokenmanager.EInvalid},
		{"TwoTokens", formOf("token", "a", "token", "b"), 400, tokenmanager.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, revoke(tc.form, "Bearer", root.AccessToken), tc.status, tc.code)
		})
	}
	t.Run("TokenInQueryIgnored", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/revoke?token="+url.QueryEscape(bob.AccessToken), url.Values{}, "Bearer", root.AccessToken)
		wantError(t, r, http.StatusBadRequest, tokenmanager.EInvalid)
	})
	t.Run("JSONBodyIs415", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/revoke", `{"token":"x"}`, "Bearer", root.AccessToken)
		wantError(t, r, http.StatusUnsupportedMediaType, "unsupported_media_type")
	})
}

func TestOAuthIntrospect(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	p := e.user(t, "alice")
	introspect := func(token string) *response {
		r := e.call(t, "POST", "/oauth/introspect", formOf("token", token), "Bearer", root.AccessToken)
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
		}
		return r
	}
	t.Run("ActiveAccessToken", func(t *testing.T) {
		got := decodeNumbers(t, introspect(p.AccessToken))
		want := map[string]any{"active": true, "token_type": "Bearer", "sub": "alice", "username": "alice",
			"iss": issuer, "sid": p.SessionID}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		for _, k := range []string{"exp", "iat"} {
			if n, ok := got[k].(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
				t.Errorf("%s = %v, want an integer", k, got[k])
			}
		}
		if aud, _ := got["aud"].([]any); len(aud) != 1 || aud[0] != "api" || got["jti"] == "" {
			t.Errorf("aud %v, jti %v", got["aud"], got["jti"])
		}
	})
	t.Run("ActiveRefreshToken", func(t *testing.T) {
		got := decodeNumbers(t, introspect(p.RefreshToken))
		if got["active"] != true || got["token_type"] != "refresh_token" || got["sub"] != "alice" || got["sid"] != p.SessionID {
			t.Fatalf("introspection = %v", got)
		}
	})
	for _, tc := range []struct {
		name  string
		token func() string
	}{
		{"Garbage", func() string { return "garbage" }},
		{"ForgedJWT", func() string { return "a.b.c" }},
		{"CancelledAccessToken", func() string {
			wantStatus(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", p.AccessToken), http.StatusNoContent)
			return p.AccessToken
		}},
		{"RetiredRefreshToken", func() string {
			q := e.signIn(t, "alice")
			wantStatus(t, e.refresh(t, q.RefreshToken), http.StatusOK)
			return q.RefreshToken
		}},
	} {
		t.Run(tc.name+"IsInactive", func(t *testing.T) {
			if r := introspect(tc.token()); string(bytes.TrimSpace(r.Body)) != `{"active":false}` {
				t.Fatalf("body = %s", r.Body)
			}
		})
	}
	t.Run("MissingToken", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/introspect", url.Values{}, "Bearer", root.AccessToken)
		wantError(t, r, http.StatusBadRequest, tokenmanager.EInvalid)
	})
}

// decodeNumbers decodes a JSON object keeping numbers as written.
func decodeNumbers(t *testing.T, r *response) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}
