package http_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// BenchmarkMiddleware is the library's middleware on a recorder: the
// Authorization header parsed, the token verified (cached after the first
// call) and checked against the cancelled set, the handler called.
func BenchmarkMiddleware(b *testing.B) {
	e := newEnv(b)
	p, err := e.mgr.Issue(b.Context(), "alice", tokenmanager.SessionMeta{})
	if err != nil {
		b.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	h := tmhttp.Authenticate(e.mgr)(ok)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+p.AccessToken)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 204 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkForwardAuth is GET /auth/verify through the whole server
// handler (request id, metrics, access log off, routing) on a recorder.
func BenchmarkForwardAuth(b *testing.B) {
	e := newEnv(b)
	p, err := e.mgr.Issue(b.Context(), "alice", tokenmanager.SessionMeta{})
	if err != nil {
		b.Fatal(err)
	}
	// At info level, as served: the access log of successes is at debug.
	e.srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	h := e.srv.Handler()
	req := httptest.NewRequest("GET", "/auth/verify", nil)
	req.Header.Set("Authorization", "Bearer "+p.AccessToken)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
