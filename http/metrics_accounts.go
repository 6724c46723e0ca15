package http

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
)

// registerAccounts exports the figures of password hashing and of the
// sign-in limiter: the hashes run, the requests that gave up waiting for
// a hashing slot (503), the slots in use and the queue, and the limiter
// keys evicted from a full table (the limiter never stops counting; an
// eviction forgets the oldest window, and a steady rate of them means a
// flood of made-up names or a table too small for the traffic).
func (m *metrics) registerAccounts(a *tokenmanager.Accounts) {
	if a == nil {
		return
	}
	stat := func(f func(tokenmanager.AccountStats) float64) func() float64 {
		return func() float64 { return f(a.Stats()) }
	}
	register(m.reg, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tokenmanager_password_hashes_total", Help: "argon2id password hashes run (sign-up and sign-in).",
	}, stat(func(s tokenmanager.AccountStats) float64 { return float64(s.Hashes) })))
	register(m.reg, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tokenmanager_password_hash_timeouts_total", Help: "Sign-ins and sign-ups answered 503 after waiting their deadline for a hashing slot.",
	}, stat(func(s tokenmanager.AccountStats) float64 { return float64(s.HashTimeouts) })))
	register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_password_hashes_in_flight", Help: "Password hashes running now (bounded by --hash-memory).",
	}, stat(func(s tokenmanager.AccountStats) float64 { return float64(s.HashesInFlight) })))
	register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_password_hash_waiting", Help: "Requests waiting for a password hashing slot.",
	}, stat(func(s tokenmanager.AccountStats) float64 { return float64(s.HashWaiting) })))
	register(m.reg, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tokenmanager_sign_in_limiter_evictions_total", Help: "Sign-in limiter keys evicted (oldest first) because a table was full.",
	}, stat(func(s tokenmanager.AccountStats) float64 { return float64(s.LimiterEvictions) })))
}
