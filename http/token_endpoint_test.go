package http_test

import (
	"net/http"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// TestOAuthToken is the refresh_token grant of RFC 6749 §6 on
// POST /oauth/token: a new pair, the old refresh token retired, and
// refusals with 400 as §5.2 says.
func TestOAuthToken(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	r := e.call(t, "POST", "/oauth/token", formOf("grant_type", "refresh_token", "refresh_token", p.RefreshToken))
	wantStatus(t, r, http.StatusOK)
	next := decode[tokenmanager.TokenPair](t, r)
	if next.AccessToken == "" || next.RefreshToken == p.RefreshToken || next.TokenType != "Bearer" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token response %+v, Cache-Control %q", next, r.Header.Get("Cache-Control"))
	}
	e.works(t, next.AccessToken)
	for _, tc := range []struct {
		name string
		form []string
		code string
	}{
		{"UnknownToken", []string{"grant_type", "refresh_token", "refresh_token", "nope"}, tokenmanager.EInvalidGrant},
		{"PasswordGrant", []string{"grant_type", "password", "username", "alice", "password", "x"}, tmhttp.EUnsupportedGrantType},
		{"NoGrantType", []string{"refresh_token", next.RefreshToken}, tokenmanager.EInvalid},
		{"NoRefreshToken", []string{"grant_type", "refresh_token"}, tokenmanager.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.call(t, "POST", "/oauth/token", formOf(tc.form...)), http.StatusBadRequest, tc.code)
		})
	}
	t.Run("JSONRefused", func(t *testing.T) {
		r := e.call(t, "POST", "/oauth/token", map[string]string{"grant_type": "refresh_token", "refresh_token": next.RefreshToken})
		wantError(t, r, http.StatusUnsupportedMediaType, tmhttp.EUnsupportedMediaType)
	})
}
