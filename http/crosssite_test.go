package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// TestJSONRoutesMediaTypes: a JSON route takes a body declared as JSON,
// one without a Content-Type, and curl -d's form type from a client that
// is not a browser; text/plain and forms, what a page on another site can
// send without a preflight, are refused with 415 (they used to be read
// as JSON).
func TestJSONRoutesMediaTypes(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	body := func(name string) string { return `{"username":"` + name + `","password":"` + password + `"}` }
	for _, tc := range []struct {
		name, contentType string
		hdr               []string
		status            int
	}{
		{"JSON", "application/json", nil, 201},
		{"JSONWithCharset", "application/json; charset=utf-8", nil, 201},
		{"ProblemPlusJSON", "application/merge-patch+json", nil, 201},
		{"NoContentType", "", nil, 201},
		{"CurlDefaultFormType", "application/x-www-form-urlencoded", nil, 201},
		{"TextPlain", "text/plain", nil, 415},
		{"TextPlainCharset", "text/plain;charset=UTF-8", nil, 415},
		{"Multipart", "multipart/form-data; boundary=x", nil, 415},
		{"FormTypeFromABrowserSameOrigin", "application/x-www-form-urlencoded", []string{"Sec-Fetch-Site", "same-origin"}, 415},
		{"FormTypeWithOrigin", "application/x-www-form-urlencoded", []string{"Origin", "ORIGIN"}, 415},
		{"Garbage", "application/", nil, 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ToLower(tc.name)
			req := newRequest(t, "POST", e.URL+"/sign-up", body(name), tc.hdr...)
			req.Header.Del("Content-Type")
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if req.Header.Get("Origin") == "ORIGIN" {
				req.Header.Set("Origin", e.URL) // same origin: passes the cross-origin check
			}
			r := e.do(t, req)
			if tc.status == 415 {
				wantError(t, r, 415, tmhttp.EUnsupportedMediaType)
				return
			}
			wantStatus(t, r, tc.status)
		})
	}
	t.Run("EveryJSONRoute", func(t *testing.T) {
		for _, path := range []string{"/sign-up", "/sign-in", "/tokens/refresh", "/tokens/revoke", "/admin/tokens/cancel"} {
			req := newRequest(t, "POST", e.URL+path, `{}`, "Bearer", root.AccessToken)
			req.Header.Set("Content-Type", "text/plain")
			wantError(t, e.do(t, req), 415, tmhttp.EUnsupportedMediaType)
		}
	})
}

// TestCrossOriginRequests: a state-changing request a browser sends from
// another site is refused (403) before it is served, whatever its body:
// by Sec-Fetch-Site, or by Origin against Host for browsers without it.
// Same-origin requests, requests without those headers (curl, servers),
// safe methods and forward-auth pass.
func TestCrossOriginRequests(t *testing.T) {
	e := newEnv(t)
	alice := e.user(t, "alice")
	for _, tc := range []struct {
		name, method, path string
		body               any
		hdr                []string
		status             int
	}{
		{"SignInCrossSite", "POST", "/sign-in", creds("alice", password), []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"SignInSameSite", "POST", "/sign-in", creds("alice", password), []string{"Sec-Fetch-Site", "same-site"}, 403},
		{"SignInOtherOrigin", "POST", "/sign-in", creds("alice", password), []string{"Origin", "https://evil.example"}, 403},
		{"SignInNullOrigin", "POST", "/sign-in", creds("alice", password), []string{"Origin", "null"}, 403},
		{"SignOutCrossSite", "POST", "/sign-out?scope=global", nil, []string{"Bearer", alice.AccessToken, "Sec-Fetch-Site", "cross-site"}, 403},
		{"DeleteSessionCrossSite", "DELETE", "/sessions/x", nil, []string{"Bearer", alice.AccessToken, "Origin", "https://evil.example"}, 403},
		{"SignInSameOrigin", "POST", "/sign-in", creds("alice", password), []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"SignInTypedByTheUser", "POST", "/sign-in", creds("alice", password), []string{"Sec-Fetch-Site", "none"}, 200},
		{"SignInNoBrowserHeaders", "POST", "/sign-in", creds("alice", password), nil, 200},
		{"ReadCrossSite", "GET", "/account", nil, []string{"Bearer", alice.AccessToken, "Sec-Fetch-Site", "cross-site"}, 200},
		{"ForwardAuthOfACrossSitePOST", "POST", "/auth/verify", nil, []string{"Bearer", alice.AccessToken, "Sec-Fetch-Site", "cross-site"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.method, tc.path, tc.body, tc.hdr...)
			if tc.status == 403 {
				wantError(t, r, 403, tmhttp.ECrossOrigin)
				return
			}
			wantStatus(t, r, tc.status)
		})
	}
	t.Run("NothingWasCancelled", func(t *testing.T) { e.works(t, alice.AccessToken) })
}

// TestJSONFieldNames: names must match exactly, once each. encoding/json
// alone takes "USERNAME" for "username" and the last of two "password"s,
// where a proxy or a validator in front may read the other one.
func TestJSONFieldNames(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	for _, tc := range []struct{ name, body, mention string }{
		{"OtherCase", `{"USERNAME":"alice","password":"` + password + `"}`, `"USERNAME"`},
		{"OtherCaseSecond", `{"username":"alice","Password":"` + password + `"}`, `"Password"`},
		{"Duplicate", `{"username":"alice","password":"x","password":"` + password + `"}`, `"password" appears more than once`},
		{"DuplicateName", `{"username":"mallory","username":"alice","password":"` + password + `"}`, `"username" appears more than once`},
		{"Unknown", `{"username":"alice","password":"` + password + `","admin":true}`, `"admin"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "POST", "/sign-in", tc.body)
			wantError(t, r, http.StatusBadRequest, tokenmanager.EInvalid)
			if d := decode[map[string]string](t, r)["error_description"]; !strings.Contains(d, tc.mention) {
				t.Fatalf("description %q does not name %s", d, tc.mention)
			}
		})
	}
	t.Run("ExactNamesAccepted", func(t *testing.T) {
		wantStatus(t, e.call(t, "POST", "/sign-in", `{"password":"`+password+`","username":"alice"}`), http.StatusOK)
	})
}

// TestCrossOriginPublicURL: behind a proxy that rewrites Host, a page of
// the server's own public origin is not cross-origin.
func TestCrossOriginPublicURL(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.PublicURL = "https://auth.example.com/tm" } })
	e.user(t, "alice")
	wantStatus(t, e.call(t, "POST", "/sign-in", creds("alice", password), "Origin", "https://auth.example.com"), http.StatusOK)
	wantError(t, e.call(t, "POST", "/sign-in", creds("alice", password), "Origin", "https://evil.example"), 403, tmhttp.ECrossOrigin)
}
