package http_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

func TestForwardAuth(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	for _, method := range []string{"GET", "HEAD", "POST", "DELETE"} {
		t.Run(method, func(t *testing.T) {
			r := e.call(t, method, "/auth/verify", nil, "Bearer", p.AccessToken)
			wantStatus(t, r, http.StatusOK)
			exp, err := strconv.ParseInt(r.Header.Get("X-Auth-Expires"), 10, 64)
			if r.Header.Get("X-Auth-Subject") != "alice" || r.Header.Get("X-Auth-Session") != p.SessionID ||
				r.Header.Get("X-Auth-Token-Id") == "" || err != nil || exp < e.clock.Now().Unix() {
				t.Fatalf("headers = %v", r.Header)
			}
		})
	}
	t.Run("NoToken", func(t *testing.T) {
		wantError(t, e.call(t, "GET", "/auth/verify", nil), http.StatusUnauthorized, tokenmanager.EInvalidToken)
	})
	t.Run("Cancelled", func(t *testing.T) {
		wantStatus(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", p.AccessToken), http.StatusNoContent)
		r := e.call(t, "GET", "/auth/verify", nil, "Bearer", p.AccessToken)
		wantError(t, r, http.StatusUnauthorized, tokenmanager.EInvalidToken)
		if r.Header.Get("X-Auth-Subject") != "" {
			t.Fatal("a refused request must carry no subject")
		}
	})
}

func TestJWKS(t *testing.T) {
	e := newEnv(t)
	r := e.call(t, "GET", "/.well-known/jwks.json", nil)
	wantStatus(t, r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control = %q", cc)
	}
	set := decode[struct {
		Keys []map[string]string `json:"keys"`
	}](t, r)
	if len(set.Keys) != 1 || set.Keys[0]["kty"] != "OKP" || set.Keys[0]["kid"] == "" || set.Keys[0]["d"] != "" {
		t.Fatalf("jwks = %s", r.Body)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	t.Run("Healthz", func(t *testing.T) {
		r := e.call(t, "GET", "/healthz", nil)
		wantStatus(t, r, http.StatusOK)
		if decode[map[string]string](t, r)["status"] != "ok" {
			t.Fatalf("body = %s", r.Body)
		}
	})
	t.Run("ReadyzDefault", func(t *testing.T) { wantStatus(t, e.call(t, "GET", "/readyz", nil), http.StatusOK) })
	t.Run("ReadyzNotReady", func(t *testing.T) {
		e := newEnv(t, func(s *setup) {
			s.server = func(srv *tmhttp.Server) {
				srv.Ready = func() error { return errors.New("store unreachable: redis ping timed out") }
			}
		})
		r := e.call(t, "GET", "/readyz", nil)
		wantError(t, r, http.StatusServiceUnavailable, tokenmanager.EUnavailable)
		if !strings.Contains(string(r.Body), "redis ping timed out") || r.Header.Get("Retry-After") == "" {
			t.Fatalf("body = %s, Retry-After %q", r.Body, r.Header.Get("Retry-After"))
		}
	})
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "secretname")
	e.works(t, p.AccessToken)
	e.call(t, "GET", "/account", nil, "Bearer", "bad.to.ken")
	wantStatus(t, e.call(t, "POST", "/tokens/cancel", nil, "Bearer", p.AccessToken), http.StatusNoContent)
	e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken)
	r := e.call(t, "GET", "/metrics", nil)
	wantStatus(t, r, http.StatusOK)
	body := string(r.Body)
	for _, want := range []string{
		`tokenmanager_http_requests_total{code="201",route="POST /sign-up"} 1`,
		`tokenmanager_http_requests_total{code="200",route="GET /account"} 1`,
		`tokenmanager_checks_total{result="ok"}`,
		`tokenmanager_checks_total{result="invalid"} 1`,
		`tokenmanager_checks_total{result="cancelled"} 1`,
		`tokenmanager_cancellations_total{kind="token"} 1`,
		`tokenmanager_http_request_duration_seconds_bucket{route="POST /sign-in"`,
		`tokenmanager_cancelled_entries 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok && !hasOurPrefix(name) {
			t.Errorf("metric %q lacks the tokenmanager_ prefix", name)
		}
	}
	if strings.Contains(body, "secretname") || strings.Contains(body, p.AccessToken[:20]) {
		t.Fatal("metrics must not carry usernames or tokens")
	}
}

// hasOurPrefix reports whether a metric is named tokenmanager_…, or is
// one of the Go and process collectors' (named as Prometheus knows them).
func hasOurPrefix(name string) bool {
	for _, p := range []string{"tokenmanager_", "go_", "process_", "promhttp_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func TestUnmatchedRoutes(t *testing.T) {
	e := newEnv(t)
	t.Run("NotFound", func(t *testing.T) {
		wantError(t, e.call(t, "GET", "/nope", nil), http.StatusNotFound, tokenmanager.ENotFound)
	})
	t.Run("MethodNotAllowed", func(t *testing.T) {
		r := e.call(t, "GET", "/sign-in", nil)
		wantError(t, r, http.StatusMethodNotAllowed, tmhttp.EMethodNotAllowed)
		if r.Header.Get("Allow") != "POST" {
			t.Fatalf("Allow = %q", r.Header.Get("Allow"))
		}
	})
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	t.Run("Kept", func(t *testing.T) {
		r := e.call(t, "GET", "/healthz", nil, "X-Request-Id", "abc-123")
		if got := r.Header.Get("X-Request-Id"); got != "abc-123" {
			t.Fatalf("X-Request-Id = %q", got)
		}
	})
	t.Run("ReplacedWhenUnsafe", func(t *testing.T) {
		r := e.call(t, "GET", "/healthz", nil, "X-Request-Id", "evil id\" level=ERROR")
		if got := r.Header.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, " \"=") {
			t.Fatalf("X-Request-Id = %q", got)
		}
	})
	t.Run("Generated", func(t *testing.T) {
		if r := e.call(t, "GET", "/healthz", nil); len(r.Header.Get("X-Request-Id")) < 16 {
			t.Fatalf("X-Request-Id = %q", r.Header.Get("X-Request-Id"))
		}
	})
	t.Run("InAccessLog", func(t *testing.T) {
		e.call(t, "GET", "/nope", nil, "X-Request-Id", "trace-me")
		if !strings.Contains(e.logs.String(), "request_id=trace-me") {
			t.Fatal("the access log must carry the request id")
		}
	})
}

func TestPanicIs500(t *testing.T) {
	e := newEnv(t, func(s *setup) {
		s.server = func(srv *tmhttp.Server) { srv.JWKS = func() any { panic("boom: secret detail") } }
	})
	r := e.call(t, "GET", "/.well-known/jwks.json", nil, "X-Request-Id", "panicky")
	wantError(t, r, http.StatusInternalServerError, tokenmanager.EInternal)
	if strings.Contains(string(r.Body), "secret") {
		t.Fatalf("the cause leaked: %s", r.Body)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "boom: secret detail") || !strings.Contains(logs, "request_id=panicky") {
		t.Fatalf("the cause must be logged with the request id:\n%s", logs)
	}
	wantStatus(t, e.call(t, "GET", "/healthz", nil), http.StatusOK)
}
