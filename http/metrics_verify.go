package http

import "github.com/tokenmanager/tokenmanager"

// registerVerifyCache exports the cache of verified tokens: its hits and
// misses (the hit ratio over a window is rate(hits) / (rate(hits) +
// rate(misses))), the ratio since start, and its size against its budget
// (--verify-cache-memory).
func (m *metrics) registerVerifyCache(mgr *tokenmanager.Manager) {
	type stats = tokenmanager.VerifyCacheStats
	registerStats(m.reg, mgr.VerifyCacheStats, []statMetric[stats]{
		{"tokenmanager_verify_cache_hits_total", "Token verifications answered from the cache of verified tokens.", true,
			func(s stats) float64 { return float64(s.Hits) }},
		{"tokenmanager_verify_cache_misses_total", "Token verifications that had to check the signature and claims (token not cached, or expired).", true,
			func(s stats) float64 { return float64(s.Misses) }},
		{"tokenmanager_verify_cache_hit_ratio", "Hits over lookups of the cache of verified tokens since start (0 before any lookup).", false,
			func(s stats) float64 {
				if s.Hits+s.Misses == 0 {
					return 0
				}
				return float64(s.Hits) / float64(s.Hits+s.Misses)
			}},
		{"tokenmanager_verify_cache_entries", "Tokens in the cache of verified tokens.", false,
			func(s stats) float64 { return float64(s.Entries) }},
		{"tokenmanager_verify_cache_bytes", "Estimated memory of the cache of verified tokens (at most --verify-cache-memory).", false,
			func(s stats) float64 { return float64(s.Bytes) }},
	})
}
