package http_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// TestChallengeWithoutCredentials walks the whole routing table (RFC 6750
// §3.1): a request that carries no credentials, or only those of another
// scheme, gets a challenge with the realm and no error code on every
// route that needs a token; one with a bad token gets
// error="invalid_token". The protected routes of the contract must be
// among those that answer 401.
func TestChallengeWithoutCredentials(t *testing.T) {
	e := newEnv(t)
	var protected []string
	for _, pattern := range e.srv.Routes() {
		method, path := routeRequest(pattern)
		t.Run(strings.ReplaceAll(pattern, "/", "_"), func(t *testing.T) {
			if r := e.call(t, method, path, nil); r.Status == http.StatusUnauthorized {
				wantBareChallenge(t, r)
				protected = append(protected, pattern)
			}
			r := e.call(t, method, path, nil, "Bearer", "bad.to.ken")
			if r.Status == http.StatusUnauthorized {
				wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidToken)
				if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Bearer error="invalid_token", `) {
					t.Fatalf("a bad token: WWW-Authenticate = %q, want error=\"invalid_token\"", got)
				}
			}
		})
	}
	for _, want := range []string{"GET /account", "POST /tokens/cancel", "POST /sign-out", "GET /sessions",
		"DELETE /sessions/{id}", "/auth/verify", "POST /admin/users/{username}/cancel", "POST /admin/tokens/cancel",
		"POST /oauth/introspect"} {
		if !slices.Contains(protected, want) {
			t.Errorf("%s did not answer 401 without credentials", want)
		}
	}
}

// TestChallengeOtherScheme: credentials of a scheme a bearer route does
// not take are no credentials for it (RFC 6750 §3.1 names "an
// unsupported authentication method"): the same bare challenge.
func TestChallengeOtherScheme(t *testing.T) {
	e := newEnv(t)
	wantBareChallenge(t, e.call(t, "GET", "/account", nil, "Authorization", "Basic YWxpY2U6eA=="))
}

// wantBareChallenge checks a 401 whose challenge has the realm only.
func wantBareChallenge(t *testing.T, r *response) {
	t.Helper()
	wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidToken)
	if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="tokenmanager"` {
		t.Fatalf("WWW-Authenticate = %q, want Bearer realm=\"tokenmanager\" and no error code", got)
	}
}

// routeRequest turns a routing pattern into a method and a path to call.
func routeRequest(pattern string) (string, string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	for strings.Contains(path, "{") {
		i, j := strings.Index(path, "{"), strings.Index(path, "}")
		path = path[:i] + "x" + path[j+1:]
	}
	return method, path
}
