package http

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tokenmanager/tokenmanager"
)

// metrics are the Server's Prometheus metrics. Their labels are route
// patterns, status codes, check results and cancellation kinds: never a
// username, a token or anything else a client chooses.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	checks   *prometheus.CounterVec
	cancels  *prometheus.CounterVec
	handler  http.Handler
	reg      registrar // for the collectors added after newMetrics
}

// newMetrics registers the metrics in reg (a private registry when nil).
// Registering twice in one registry reuses the first collectors, so two
// Servers can share a registry.
func newMetrics(reg *prometheus.Registry, replica *tokenmanager.Replica, log *slog.Logger) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	r := registrar{reg: reg, log: log}
	m := &metrics{
		requests: register(r, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmanager_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"})),
		duration: register(r, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tokenmanager_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"route"})),
		checks: register(r, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmanager_checks_total", Help: "Access token checks by result: ok or the reason for refusal.",
		}, []string{"result"})),
		cancels: register(r, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmanager_cancellations_total", Help: "Acknowledged cancellations by kind (token, session, subject).",
		}, []string{"kind"})),
		handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		reg:     r,
	}
	registerReplica(r, replica)
	return m
}

// registerReplica exports the size and the liveness of the replica.
func registerReplica(r registrar, replica *tokenmanager.Replica) {
	if replica == nil {
		return
	}
	register(r, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_cancelled_entries", Help: "Entries in this instance's replica of the cancelled set.",
	}, func() float64 { return float64(replica.Set.Len()) }))
	register(r, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_replica_live", Help: "1 while the replica is connected to the store and caught up.",
	}, func() float64 { return boolFloat(replica.IsLive()) }))
	register(r, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_replica_staleness_seconds", Help: "Age of the replica's last confirmation by the store (what --max-staleness bounds); for a replica whose source never confirms, how long it has been cut off (0 while live).",
	}, func() float64 { return replica.Staleness().Seconds() }))
}

// registrar registers collectors, logging instead of panicking on a clash.
type registrar struct {
	reg *prometheus.Registry
	log *slog.Logger
}

// register registers c, or returns the collector already registered
// under its name; on any other clash it logs and returns c unexported.
func register[C prometheus.Collector](r registrar, c C) C {
	err := r.reg.Register(c)
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		if existing, ok := dup.ExistingCollector.(C); ok {
			return existing
		}
	}
	if err != nil {
		r.log.Warn("metric not registered", "err", err)
	}
	return c
}

// request counts a request and observes its duration.
func (m *metrics) request(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// check counts a token check by its result.
func (m *metrics) check(err error) { m.checks.WithLabelValues(checkResult(err)).Inc() }

// cancel counts an acknowledged cancellation.
func (m *metrics) cancel(k tokenmanager.Kind) { m.cancels.WithLabelValues(k.String()).Inc() }

// checkResult names the outcome of a token check for the metrics: ok,
// missing, malformed (the header), unavailable (the cancelled set), or
// for a refused token cancelled, expired or invalid. The last three are
// told apart by the root package's messages, as it has no finer code;
// an unrecognised message counts as invalid.
func checkResult(err error) string {
	switch code := tokenmanager.ErrorCode(err); {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNoToken):
		return "missing"
	case code == tokenmanager.EUnavailable:
		return "unavailable"
	case code != tokenmanager.EInvalidToken:
		return "malformed"
	}
	msg := tokenmanager.ErrorMessage(err)
	switch {
	case strings.Contains(msg, "cancelled"):
		return "cancelled"
	case strings.Contains(msg, "expired"):
		return "expired"
	}
	return "invalid"
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
