package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestVerifyCacheMetrics: one token presented three times is one miss
// (verified, then cached) and two hits, which the metrics report with
// their ratio and the cache's size.
func TestVerifyCacheMetrics(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	for range 3 {
		wantStatus(t, e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken), http.StatusOK)
	}
	body := string(e.call(t, "GET", "/metrics", nil).Body)
	for _, want := range []string{
		"tokenmanager_verify_cache_hits_total 2\n",
		"tokenmanager_verify_cache_misses_total 1\n",
		"tokenmanager_verify_cache_hit_ratio 0.6666",
		"tokenmanager_verify_cache_entries 1\n",
		"tokenmanager_verify_cache_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
