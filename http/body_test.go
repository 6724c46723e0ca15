package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

func TestJSONBodies(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.maxBody = 1024 })
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		code, mention           string // mention: what the description must name
	}{
		{"TooLarge", `{"username":"` + strings.Repeat("a", 2000) + `","password":"x"}`, "", 413, tokenmanager.ETooLarge, ""},
		{"TooLargeTrailing", `{"username":"a","password":"b"}` + strings.Repeat(" ", 2000) + "x", "", 413, tokenmanager.ETooLarge, ""},
		{"UnknownField", `{"username":"a","password":"b","admin":true}`, "", 400, tokenmanager.EInvalid, `"admin"`},
		{"Malformed", `{"username":`, "", 400, tokenmanager.EInvalid, "JSON"},
		{"SyntaxError", `{"username" "a"}`, "", 400, tokenmanager.EInvalid, "JSON"},
		{"Trailing", `{"username":"a","password":"b"} {}`, "", 400, tokenmanager.EInvalid, "one JSON value"},
		{"TrailingGarbage", `{"username":"a","password":"b"}x`, "", 400, tokenmanager.EInvalid, ""},
		{"WrongType", `{"username":42,"password":"b"}`, "", 400, tokenmanager.EInvalid, `"username"`},
		{"NotAnObject", `["a","b"]`, "", 400, tokenmanager.EInvalid, "object"},
		{"Empty", ``, "", 400, tokenmanager.EInvalid, "empty"},
		{"JSONUnderCurlsFormType", `{"username":"a","password":"b"}`, "application/x-www-form-urlencoded", 400, "invalid_request", "password is shorter"},
		{"FormBody", `username=a&password=b`, "application/x-www-form-urlencoded", 400, "invalid_request", "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.contentType != "" {
				hdr = []string{"Content-Type", tc.contentType}
			}
			req := newRequest(t, "POST", e.URL+"/sign-up", tc.body, hdr...)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			r := e.do(t, req)
			wantError(t, r, tc.status, tc.code)
			if !strings.Contains(decode[map[string]string](t, r)["error_description"], tc.mention) {
				t.Fatalf("description %s does not mention %s", r.Body, tc.mention)
			}
		})
	}
	t.Run("NoContentTypeAccepted", func(t *testing.T) {
		req := newRequest(t, "POST", e.URL+"/sign-up", `{"username":"nct","password":"`+password+`"}`)
		req.Header.Del("Content-Type")
		wantStatus(t, e.do(t, req), http.StatusCreated)
	})
	t.Run("JSONWithCharset", func(t *testing.T) {
		req := newRequest(t, "POST", e.URL+"/sign-up", `{"username":"cs","password":"`+password+`"}`)
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		wantStatus(t, e.do(t, req), http.StatusCreated)
	})
}

func TestAuthorizationHeaders(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	for _, tc := range []struct {
		name   string
		auth   []string
		status int
		code   string
	}{
		{"Huge", []string{"Bearer " + strings.Repeat("a", 64<<10)}, 413, tokenmanager.ETooLarge},
		{"Two", []string{"Bearer " + p.AccessToken, "Bearer " + p.AccessToken}, 400, tokenmanager.EInvalid},
		{"TwoTokens", []string{"Bearer " + p.AccessToken + " " + p.AccessToken}, 400, tokenmanager.EInvalid},
		{"Basic", []string{"Basic YWxpY2U6cGFzc3dvcmQ="}, 401, tokenmanager.EInvalidToken},
		{"LowerCaseScheme", []string{"bearer " + p.AccessToken}, 200, ""},
		{"TamperedSignature", []string{"Bearer " + p.AccessToken[:len(p.AccessToken)-4] + "AAAA"}, 401, tokenmanager.EInvalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, "GET", e.URL+"/account", nil)
			for _, a := range tc.auth {
				req.Header.Add("Authorization", a)
			}
			r := e.do(t, req)
			if tc.code == "" {
				wantStatus(t, r, tc.status)
				return
			}
			wantError(t, r, tc.status, tc.code)
		})
	}
}

func TestStoreOutageFailsClosed(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	rep := e.mgr.Replica()
	rep.Live(false)
	t.Run("WithinStalenessServed", func(t *testing.T) {
		if !e.works(t, p.AccessToken) {
			t.Fatal("within the staleness bound the replica answers")
		}
	})
	t.Run("AfterStaleness503", func(t *testing.T) {
		e.clock.Advance(rep.MaxStaleness + time.Second)
		r := e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken)
		wantError(t, r, http.StatusServiceUnavailable, tokenmanager.EUnavailable)
		wantError(t, e.call(t, "GET", "/readyz", nil), http.StatusServiceUnavailable, tokenmanager.EUnavailable)
	})
}

// do sends a prepared request.
func (e *env) do(t testing.TB, req *http.Request) *response {
	t.Helper()
	res, err := e.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return &response{Status: res.StatusCode, Header: res.Header, Body: readAll(t, res)}
}
