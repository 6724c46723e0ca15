package redis

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// BenchmarkPropagation measures, one cancellation at a time, the time from
// the start of Cancel on instance A to the token refused by instance B's
// replica, and reports its p50 and p99 in microseconds.
//
//	go test -run '^$' -bench Propagation -benchtime 5000x ./redis/
func BenchmarkPropagation(b *testing.B) {
	p := newPropagation(b)
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		lat = append(lat, p.once(b, i))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(percentile(lat, 50).Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(percentile(lat, 99).Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkCancellations measures a full reload (what a replica does at
// start and on every resync) of a cancelled set of 10^5 and 10^6 entries.
//
//	go test -run '^$' -bench Cancellations -benchtime 3x ./redis/
func BenchmarkCancellations(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			srv := redistest.Start(b)
			s := mustOpen(b, srv.URL())
			fillCancellations(b, srv, s, n)
			b.ReportAllocs()
			for b.Loop() {
				cs, err := s.Cancellations(b.Context(), time.Now())
				if err != nil || len(cs) != n {
					b.Fatalf("Cancellations = %d entries, %v; want %d", len(cs), err, n)
				}
			}
			b.ReportMetric(float64(n), "entries")
		})
	}
}

// fillScript writes ARGV[1] token cancellations numbered from ARGV[2] the
// way cancelScript does (entry key, hash, expiry index), without the feed:
// filling 10^6 entries through Cancel would take minutes.
const fillScript = `
local exp = tonumber(ARGV[3])
for i = tonumber(ARGV[2]), tonumber(ARGV[2]) + tonumber(ARGV[1]) - 1 do
  local f = 't:https://issuer.test\0jti-' .. i
  local v = (exp - 300000) .. ' ' .. exp
  redis.call('SET', ARGV[4] .. f, v, 'PXAT', exp)
  redis.call('HSET', KEYS[1], f, v)
  redis.call('ZADD', KEYS[2], exp, f)
end
return 0
`

// fillCancellations stores n live token cancellations in batches.
func fillCancellations(tb testing.TB, srv *redistest.Server, s *Store, n int) {
	tb.Helper()
	exp := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	for from := 0; from < n; from += 20_000 {
		count := strconv.Itoa(min(20_000, n-from))
		srv.MustDo("EVAL", fillScript, "2", s.k.all(), s.k.expiry(), count, strconv.Itoa(from), exp, s.k.entryPrefix())
	}
}
