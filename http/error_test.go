package http_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

func TestError(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		code, desc string
		challenge  string
		retryAfter string
	}{
		{"Invalid", tokenmanager.Errorf(tokenmanager.EInvalid, "bad"), 400, "invalid_request", "bad", "", ""},
		{"InvalidToken", tokenmanager.Errorf(tokenmanager.EInvalidToken, `say "hi" \ bye`), 401, "invalid_token", `say "hi" \ bye`,
			`Bearer error="invalid_token", error_description="say 'hi' / bye"`, ""},
		{"NoToken", tmhttp.ErrNoToken, 401, "invalid_token", "the request carries no access token", `Bearer realm="tokenmanager"`, ""},
		{"InvalidGrant", tokenmanager.Errorf(tokenmanager.EInvalidGrant, "wrong\r\nInjected: yes"), 401, "invalid_grant", "wrong\r\nInjected: yes",
			`Bearer error="invalid_grant", error_description="wrong??Injected: yes"`, ""},
		{"Forbidden", tokenmanager.Errorf(tokenmanager.EForbidden, "no"), 403, "insufficient_scope", "no",
			`Bearer error="insufficient_scope", error_description="no"`, ""},
		{"NotFound", tokenmanager.Errorf(tokenmanager.ENotFound, "none"), 404, "not_found", "none", "", ""},
		{"Conflict", tokenmanager.Errorf(tokenmanager.EConflict, "taken"), 409, "conflict", "taken", "", ""},
		{"TooLarge", tokenmanager.Errorf(tokenmanager.ETooLarge, "big"), 413, "request_too_large", "big", "", ""},
		{"RateLimited", tokenmanager.Errorf(tokenmanager.ERateLimited, "slow"), 429, "rate_limited", "slow", "", ""},
		{"Unavailable", tokenmanager.Wrap(tokenmanager.EUnavailable, errors.New("redis: dial 10.0.0.1"), "store down"), 503,
			"temporarily_unavailable", "store down", "", "1"},
		{"Internal", errors.New("secret detail"), 500, "server_error", "internal error", "", ""},
		{"UnknownCode", tokenmanager.Errorf("weird", "x"), 500, "server_error", "x", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tmhttp.Error(w, httptest.NewRequest("GET", "/", nil), tc.err)
			var body map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			h := w.Header()
			if w.Code != tc.status || body["error"] != tc.code || body["error_description"] != tc.desc ||
				h.Get("WWW-Authenticate") != tc.challenge || h.Get("Retry-After") != tc.retryAfter ||
				h.Get("Cache-Control") != "no-store" {
				t.Fatalf("= %d %v %v", w.Code, body, h)
			}
			if strings.Contains(w.Body.String(), "10.0.0.1") || strings.Contains(w.Body.String(), "secret") {
				t.Fatalf("cause leaked: %s", w.Body)
			}
		})
	}
}

// retryErr knows when the client may retry.
type retryErr struct{ err *tokenmanager.Error }

func (e retryErr) Error() string           { return e.err.Error() }
func (e retryErr) Unwrap() error           { return e.err }
func (retryErr) RetryAfter() time.Duration { return 1500 * time.Millisecond }

func TestErrorRetryAfterKnown(t *testing.T) {
	w := httptest.NewRecorder()
	tmhttp.Error(w, httptest.NewRequest("GET", "/", nil), retryErr{tokenmanager.Errorf(tokenmanager.ERateLimited, "wait")})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("= %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}
