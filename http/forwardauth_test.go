package http_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// quiet makes the env's Server log at info level, as served: a
// forward-auth success is then not logged and takes the fast path.
func quiet(st *setup) {
	st.server = func(s *tmhttp.Server) { s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) }
}

// TestForwardAuthFastPathAnswersAsTheGeneralOne: every forward-auth
// answer of the fast path (a Server logging at info level) is the one the
// general middleware gives (the same Manager behind a Server that logs
// every request), refusals and malformed requests included, but for the
// request id, which the general path makes for its access log.
func TestForwardAuthFastPathAnswersAsTheGeneralOne(t *testing.T) {
	e := newEnv(t, quiet)
	general := httptest.NewServer((&tmhttp.Server{Manager: e.mgr, AccessLog: true, Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	defer general.Close()
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	wantStatus(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", bob.AccessToken), http.StatusNoContent)
	cases := []struct {
		name, method string
		hdr          []string
		status       int
	}{
		{"Valid", "GET", []string{"Bearer", alice.AccessToken}, 200},
		{"ValidHead", "HEAD", []string{"Bearer", alice.AccessToken}, 200},
		{"ValidPost", "POST", []string{"Bearer", alice.AccessToken}, 200},
		{"NoToken", "GET", nil, 401},
		{"OtherScheme", "GET", []string{"Authorization", "Basic YTpi"}, 401},
		{"Garbage", "GET", []string{"Bearer", "not.a.token"}, 401},
		{"Cancelled", "GET", []string{"Bearer", bob.AccessToken}, 401},
		{"RefreshToken", "GET", []string{"Bearer", alice.RefreshToken}, 401},
		{"TwoHeaders", "GET", []string{"Bearer", alice.AccessToken, "Bearer", alice.AccessToken}, 400},
		{"HugeHeader", "GET", []string{"Bearer", strings.Repeat("a", 9000)}, 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fast := e.call(t, c.method, "/auth/verify", nil, c.hdr...)
			slow := e.do(t, newRequest(t, c.method, general.URL+"/auth/verify", nil, c.hdr...))
			if fast.Status != c.status || slow.Status != c.status {
				t.Fatalf("status: fast %d, general %d, want %d", fast.Status, slow.Status, c.status)
			}
			for _, h := range []string{"X-Auth-Subject", "X-Auth-Session", "X-Auth-Token-Id", "X-Auth-Expires",
				"Cache-Control", "Www-Authenticate", "Content-Type", "Content-Length"} {
				if f, s := fast.Header.Values(h), slow.Header.Values(h); strings.Join(f, "|") != strings.Join(s, "|") {
					t.Errorf("%s: fast %q, general %q", h, f, s)
				}
			}
			if !bytes.Equal(fast.Body, slow.Body) {
				t.Errorf("body: fast %s, general %s", fast.Body, slow.Body)
			}
			if c.status != 200 && fast.Header.Get("X-Request-Id") == "" {
				t.Error("a refusal carries no request id")
			}
		})
	}
}

// TestForwardAuthVerifiesOnceAndCountsOnce: a refusal is handed from the
// fast path to the general one with its verification, so the token is
// verified once and the request counted once; a success is counted too.
func TestForwardAuthVerifiesOnceAndCountsOnce(t *testing.T) {
	e := newEnv(t, quiet)
	alice := e.user(t, "alice")
	misses := e.mgr.VerifyCacheStats().Misses
	wantStatus(t, e.call(t, "GET", "/auth/verify", nil, "Bearer", "not.a.token"), 401)
	if got := e.mgr.VerifyCacheStats().Misses - misses; got != 1 {
		t.Fatalf("a refused token was verified %d times", got)
	}
	wantStatus(t, e.call(t, "GET", "/auth/verify", nil, "Bearer", alice.AccessToken), 200)
	wantStatus(t, e.call(t, "GET", "/auth/verify", nil, "Bearer", alice.AccessToken), 200)
	body := string(e.call(t, "GET", "/metrics", nil).Body)
	for _, want := range []string{
		`tokenmanager_http_requests_total{code="401",route="/auth/verify"} 1` + "\n",
		`tokenmanager_http_requests_total{code="200",route="/auth/verify"} 2` + "\n",
		`tokenmanager_checks_total{result="invalid"} 1` + "\n",
		`tokenmanager_http_request_duration_seconds_count{route="/auth/verify"} 3` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if m := regexp.MustCompile(`tokenmanager_checks_total\{result="ok"\} (\d+)\n`).FindStringSubmatch(body); m == nil || m[1] != "2" {
		t.Errorf("ok checks: %v, want 2", m)
	}
}

// TestForwardAuthRequestID: the fast path sends back a proxy's own
// request id, and makes none of its own (nothing is logged for it); an
// id that could forge a log line is not echoed.
func TestForwardAuthRequestID(t *testing.T) {
	e := newEnv(t, quiet)
	alice := e.user(t, "alice")
	for _, c := range []struct{ in, want string }{
		{"trace-42", "trace-42"},
		{"", ""},
		{`evil" level=ERROR`, ""},
	} {
		r := e.call(t, "GET", "/auth/verify", nil, "Bearer", alice.AccessToken, "X-Request-Id", c.in)
		if got := r.Header.Get("X-Request-Id"); got != c.want {
			t.Errorf("X-Request-Id %q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// TestForwardAuthExpiredOnBothPaths: an expired token is refused the
// same way on the fast path.
func TestForwardAuthExpiredOnBothPaths(t *testing.T) {
	e := newEnv(t, quiet)
	alice := e.user(t, "alice")
	e.clock.Advance(2 * time.Hour)
	r := e.call(t, "GET", "/auth/verify", nil, "Bearer", alice.AccessToken)
	wantStatus(t, r, 401)
	if !strings.Contains(r.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("challenge %q", r.Header.Get("WWW-Authenticate"))
	}
}
