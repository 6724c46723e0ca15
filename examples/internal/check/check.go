// Package check is the test every example passes: a request with a valid
// token reaches the handler, the same request after the token is
// cancelled gets 401 with a WWW-Authenticate challenge, and so does a
// request without a token.
package check

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/service"
)

// Middleware builds the example's handler on a service opened by the one
// call, and checks it.
func Middleware(t *testing.T, routes func(tokenmanager.Verifier) http.Handler) {
	m, err := service.Open(t.Context(), "bolt:"+filepath.Join(t.TempDir(), "tokens.db"), service.Options{Issuer: "https://auth.example"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	srv := httptest.NewServer(routes(m))
	t.Cleanup(srv.Close)
	pair, err := m.Issue(t.Context(), "alice", tokenmanager.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		token     string
		before    func(t *testing.T)
		status    int
		body      string // the start of the body
		challenge string // in WWW-Authenticate
	}{
		{"ValidToken", pair.AccessToken, nil, http.StatusOK, "hello alice", ""},
		{"NoToken", "", nil, http.StatusUnauthorized, `{"error":"invalid_token"`, `realm="tokenmanager"`},
		{"Cancelled", pair.AccessToken, func(t *testing.T) { cancel(t, m, pair.AccessToken) },
			http.StatusUnauthorized, `{"error":"invalid_token"`, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			status, hdr, body := get(t, srv.URL+"/hello", tt.token)
			if status != tt.status || !strings.HasPrefix(body, tt.body) || !strings.Contains(hdr.Get("WWW-Authenticate"), tt.challenge) {
				t.Fatalf("got %d %q (WWW-Authenticate %q); want %d %q (%q)",
					status, body, hdr.Get("WWW-Authenticate"), tt.status, tt.body, tt.challenge)
			}
		})
	}
}

// cancel cancels an access token, as POST /tokens/cancel does.
func cancel(t *testing.T, m *service.Service, token string) {
	claims, err := m.Verify(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CancelToken(t.Context(), claims); err != nil {
		t.Fatal(err)
	}
}

// get sends GET url with the bearer token (none when empty).
func get(t *testing.T, url, token string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b.String()
}
