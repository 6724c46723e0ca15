package http

import "github.com/tokenmanager/tokenmanager"

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
	type stats = tokenmanager.AccountStats
	registerStats(m.reg, a.Stats, []statMetric[stats]{
		{"tokenmanager_password_hashes_total", "argon2id password hashes run (sign-up and sign-in).", true,
			func(s stats) float64 { return float64(s.Hashes) }},
		{"tokenmanager_password_hash_timeouts_total", "Sign-ins and sign-ups answered 503 after waiting their deadline for a hashing slot.", true,
			func(s stats) float64 { return float64(s.HashTimeouts) }},
		{"tokenmanager_password_hashes_in_flight", "Password hashes running now (bounded by --hash-memory).", false,
			func(s stats) float64 { return float64(s.HashesInFlight) }},
		{"tokenmanager_password_hash_waiting", "Requests waiting for a password hashing slot.", false,
			func(s stats) float64 { return float64(s.HashWaiting) }},
		{"tokenmanager_sign_in_limiter_evictions_total", "Sign-in limiter keys evicted (oldest first) because a table was full.", true,
			func(s stats) float64 { return float64(s.LimiterEvictions) }},
	})
}
