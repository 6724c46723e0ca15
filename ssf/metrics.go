package ssf

import "github.com/prometheus/client_golang/prometheus"

// metrics are the transmitter's counters: what was queued, delivered,
// failed to push, and dropped from a full queue.
type metrics struct {
	queued, delivered *prometheus.CounterVec
	failed, dropped   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tokenmanager_ssf_events_queued_total",
			Help: "Security Event Tokens queued for Shared Signals streams, by event type."}, []string{"event"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tokenmanager_ssf_events_delivered_total",
			Help: "Security Event Tokens acknowledged by receivers, by delivery (push or poll)."}, []string{"delivery"}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "tokenmanager_ssf_push_failures_total",
			Help: "Push attempts that failed (error, timeout or a status other than 202); they are retried with backoff."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "tokenmanager_ssf_events_dropped_total",
			Help: "Security Event Tokens dropped, oldest first, from a full stream queue, or refused by the receiver (400)."}),
	}
	if reg != nil {
		reg.MustRegister(m.queued, m.delivered, m.failed, m.dropped)
	}
	return m
}
