package http

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
)

// registerVerifyCache exports the cache of verified tokens: its hits and
// misses (the hit ratio over a window is rate(hits) / (rate(hits) +
// rate(misses))), the ratio since start, and its size against its budget
// (--verify-cache-memory).
func (m *metrics) registerVerifyCache(mgr *tokenmanager.Manager) {
	stat := func(f func(tokenmanager.VerifyCacheStats) float64) func() float64 {
		return func() float64 { return f(mgr.VerifyCacheStats()) }
	}
	register(m.reg, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tokenmanager_verify_cache_hits_total", Help: "Token verifications answered from the cache of verified tokens.",
	}, stat(func(s tokenmanager.VerifyCacheStats) float64 { return float64(s.Hits) })))
	register(m.reg, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tokenmanager_verify_cache_misses_total", Help: "Token verifications that had to check the signature and claims (token not cached, or expired).",
	}, stat(func(s tokenmanager.VerifyCacheStats) float64 { return float64(s.Misses) })))
	register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_verify_cache_hit_ratio", Help: "Hits over lookups of the cache of verified tokens since start (0 before any lookup).",
	}, stat(func(s tokenmanager.VerifyCacheStats) float64 {
		if s.Hits+s.Misses == 0 {
			return 0
		}
		return float64(s.Hits) / float64(s.Hits+s.Misses)
	})))
	register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_verify_cache_entries", Help: "Tokens in the cache of verified tokens.",
	}, stat(func(s tokenmanager.VerifyCacheStats) float64 { return float64(s.Entries) })))
	register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_verify_cache_bytes", Help: "Estimated memory of the cache of verified tokens (at most --verify-cache-memory).",
	}, stat(func(s tokenmanager.VerifyCacheStats) float64 { return float64(s.Bytes) })))
}
