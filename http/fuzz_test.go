package http_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The fuzz targets drive the Server in process with hostile input and
// assert what must hold for any input: no panic, no 5xx, never a 200 for
// credentials that are garbage, and a valid challenge on every 401.
// Seeds are in testdata/fuzz; run one with
//
//	go test -run '^$' -fuzz FuzzAuthorizationHeader -fuzztime 30s ./http/

// inMemory runs a fuzz target on the in-memory store: bolt's fsync per
// write would make each input cost milliseconds.
func inMemory(s *setup) { s.memory = true }

// serveFuzz serves req on e's handler and checks the invariants.
func serveFuzz(t *testing.T, e *env, req *http.Request, allowOK bool) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, req)
	switch {
	case w.Code >= 500:
		t.Fatalf("status %d for hostile input: %s", w.Code, w.Body)
	case w.Code == http.StatusOK && !allowOK:
		t.Fatalf("200 for garbage credentials: %s", w.Body)
	case w.Code == http.StatusUnauthorized:
		ch := w.Header().Get("WWW-Authenticate")
		if !bareChallenge.MatchString(ch) && !errorChallenge.MatchString(ch) && !basicChallenge.MatchString(ch) {
			t.Fatalf("invalid challenge %q", ch)
		}
	}
	return w
}

func FuzzAuthorizationHeader(f *testing.F) {
	e := newEnv(f, inMemory)
	p := e.user(f, "alice")
	for _, s := range []string{"Bearer " + p.RefreshToken, "Bearer " + p.AccessToken[:len(p.AccessToken)-2], "Bearer", "bearer \x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for _, path := range []string{"/account", "/auth/verify"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Header["Authorization"] = []string{header}
			serveFuzz(t, e, req, false)
		}
	})
}

func FuzzSignUpBody(f *testing.F) {
	e := newEnv(f, inMemory, func(s *setup) { s.maxBody = 4096 })
	f.Add([]byte(`{"username":"bob","password":"` + password + `"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/sign-up", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := serveFuzz(t, e, req, false)
		if w.Code != http.StatusCreated && w.Code >= 300 && !strings.Contains(w.Body.String(), `"error_description"`) {
			t.Fatalf("error without the error shape: %d %s", w.Code, w.Body)
		}
	})
}

func FuzzSignInBody(f *testing.F) {
	e := newEnv(f, inMemory)
	e.user(f, "alice")
	f.Add([]byte(`{"username":"alice","password":"wrong password"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/sign-in", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		serveFuzz(t, e, req, false)
	})
}

func FuzzRefreshBody(f *testing.F) {
	e := newEnv(f, inMemory)
	p := e.user(f, "alice")
	f.Add([]byte(`{"refresh_token":"` + p.RefreshToken[:len(p.RefreshToken)-3] + `AAA"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/tokens/refresh", "/tokens/revoke"} {
			req := httptest.NewRequest("POST", path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			serveFuzz(t, e, req, false)
		}
	})
}

func FuzzOAuthForm(f *testing.F) {
	e := newEnv(f, inMemory)
	root := e.user(f, "root")
	f.Add("token=" + root.RefreshToken[:20] + "&token_type_hint=refresh_token")
	f.Fuzz(func(t *testing.T, form string) {
		req := httptest.NewRequest("POST", "/oauth/introspect", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+root.AccessToken)
		w := serveFuzz(t, e, req, true)
		if w.Code == http.StatusOK && strings.TrimSpace(w.Body.String()) != `{"active":false}` {
			if !strings.Contains(form, root.AccessToken) && !strings.Contains(form, root.RefreshToken) {
				t.Fatalf("garbage introspected as active: %s", w.Body)
			}
		}
	})
}

func FuzzAdminCancelBody(f *testing.F) {
	e := newEnv(f, inMemory)
	root := e.user(f, "root")
	alice := e.user(f, "alice")
	f.Add([]byte(`{"token":"` + alice.AccessToken[:len(alice.AccessToken)-2] + `AA"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if bytes.Contains(body, []byte(root.RefreshToken)) || bytes.Contains(body, []byte(root.AccessToken)) {
			t.Skip("would cancel the admin's own token")
		}
		req := httptest.NewRequest("POST", "/admin/tokens/cancel", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+root.AccessToken)
		w := serveFuzz(t, e, req, false)
		if w.Code == http.StatusNoContent && !bytes.Contains(body, []byte(alice.AccessToken)) && !bytes.Contains(body, []byte(alice.RefreshToken)) {
			t.Fatalf("garbage cancelled as a token: %q", body)
		}
	})
}
