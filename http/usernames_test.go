package http_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// TestNewUsernames: the dot segments and names that cannot pass
// unchanged through a URL path segment are refused at sign-up (400); a
// name whose confusable skeleton (UTS #39) is an existing account's is
// taken (409).
func TestNewUsernames(t *testing.T) {
	e := newEnv(t)
	e.user(t, "admin")
	e.user(t, "pay")
	for _, tc := range []struct {
		name, username string
		status         int
		code           string
	}{
		{"Dot", ".", 400, tokenmanager.EInvalid},
		{"DotDot", "..", 400, tokenmanager.EInvalid},
		{"FullwidthDotDot", "．．", 400, tokenmanager.EInvalid},
		{"Slash", "a/b", 400, tokenmanager.EInvalid},
		{"FullwidthSlash", "a／b", 400, tokenmanager.EInvalid},
		{"Backslash", `a\b`, 400, tokenmanager.EInvalid},
		{"Question", "a?b", 400, tokenmanager.EInvalid},
		{"Hash", "a#b", 400, tokenmanager.EInvalid},
		{"Percent", "a%2e", 400, tokenmanager.EInvalid},
		{"Semicolon", "a;b", 400, tokenmanager.EInvalid},
		{"DotlessI", "admın", 409, tokenmanager.EConflict},
		{"LatinAlpha", "ɑdmin", 409, tokenmanager.EConflict},
		{"RNForM", "adrnin", 409, tokenmanager.EConflict},
		{"TurkishCapitalIDotted", "ADMİN", 409, tokenmanager.EConflict}, // lower-cases to i + U+0307
		{"DotlessIWithDotAbove", "adm\u0131\u0307n", 409, tokenmanager.EConflict},
		{"WholeScriptCyrillic", "\u0440\u0430\u0443", 409, tokenmanager.EConflict}, // рау
		{"AnotherCyrillicName", "алиса", 201, ""},
		{"ThreeDots", "...", 201, ""},
		{"DotsInside", "a..b", 201, ""},
		{"Similar", "admins", 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "POST", "/sign-up", creds(tc.username, password))
			if tc.code == "" {
				wantStatus(t, r, tc.status)
				return
			}
			wantError(t, r, tc.status, tc.code)
		})
	}
}

// TestUsernamesRoundTrip: every name sign-up accepts comes back unchanged
// from a URL path segment (the admin routes, as the operator commands
// escape it) and from a header value (X-Auth-Subject of forward-auth).
func TestUsernamesRoundTrip(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	for _, name := range []string{"o'brien-smith.jr", "bob+tag@example.org", "a:b", "x&y=z", "a,b", `"q"`, "(p)*!$", "~tilde_", "...", "josé", "алиса", "日本ひらがな"} {
		t.Run(name, func(t *testing.T) {
			p := e.user(t, name)
			r := e.call(t, "GET", "/auth/verify", nil, "Bearer", p.AccessToken)
			wantStatus(t, r, http.StatusOK)
			if got := r.Header.Get("X-Auth-Subject"); got != name {
				t.Fatalf("X-Auth-Subject = %q, want %q", got, name)
			}
			r = e.call(t, "GET", "/admin/users/"+url.PathEscape(name)+"/sessions", nil, "Bearer", root.AccessToken)
			wantStatus(t, r, http.StatusOK)
			if sessions := decode[map[string][]map[string]any](t, r)["sessions"]; len(sessions) != 1 {
				t.Fatalf("sessions of %q by its path: %v", name, sessions)
			}
		})
	}
}
