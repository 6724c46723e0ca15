package http_test

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// BenchmarkStatusList is GET /statuslists/{id} through the whole handler
// for a list of 10^6 live tokens, of which 1% are cancelled at random
// places (the worst case for compression is random bits): the store read,
// zlib at the best level, base64url, the EdDSA signature. It reports the
// Status List Token's size in bytes.
func BenchmarkStatusList(b *testing.B) {
	const live, cancelled = 1_000_000, 10_000
	e := newEnv(b)
	ss := e.store.(tokenmanager.StatusStore)
	list := strconv.FormatInt(time.Now().Truncate(tokenmanager.DefaultStatusWindow).Unix(), 10)
	if _, err := ss.ReserveStatusIndices(b.Context(), list, live, time.Now().Add(2*time.Hour)); err != nil {
		b.Fatal(err)
	}
	refs := make([]tokenmanager.StatusRef, cancelled)
	for i := range refs {
		refs[i] = tokenmanager.StatusRef{List: list, Index: rand.Uint64N(live)}
	}
	if err := ss.InvalidateStatus(b.Context(), refs); err != nil {
		b.Fatal(err)
	}
	h := e.srv.Handler()
	req := httptest.NewRequest("GET", "/statuslists/"+list, nil)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "token-bytes")
}
