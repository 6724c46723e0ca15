package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// replicaMetrics counts what the replica's feed and store do, for the
// operator: outages, cancellations heard from other instances, reloads.
type replicaMetrics struct {
	outages       prometheus.Counter
	applied       *prometheus.CounterVec
	reloads       prometheus.Counter
	reloadSeconds prometheus.Gauge
}

func newReplicaMetrics() *replicaMetrics {
	return &replicaMetrics{
		outages: prometheus.NewCounter(prometheus.CounterOpts{Name: "tokenmanager_store_outages_total",
			Help: "Times the replica was cut off from the store (see tokenmanager_replica_live)."}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tokenmanager_feed_applied_total",
			Help: "Cancellations received from the store's change feed, by kind."}, []string{"kind"}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{Name: "tokenmanager_replica_reloads_total",
			Help: "Full reloads of the cancelled set from the store (start, reconnects, gaps)."}),
		reloadSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tokenmanager_replica_last_reload_seconds",
			Help: "How long the last full reload took."}),
	}
}

func (rm *replicaMetrics) register(reg *prometheus.Registry) {
	reg.MustRegister(rm.outages, rm.applied, rm.reloads, rm.reloadSeconds)
}

// replicaHooks feeds the events hub and the metrics from the replica: the
// cancellations of other instances as the feed brings them (the Server
// adds this instance's own), and those a reload found that the feed had
// missed (the streams get them too, instead of being dropped all at once).
func replicaHooks(h *tmhttp.Hub, rm *replicaMetrics) tokenmanager.ReplicaHooks {
	return tokenmanager.ReplicaHooks{
		Applied: func(c tokenmanager.Cancellation) {
			h.Publish(c)
			rm.applied.WithLabelValues(c.Kind.String()).Inc()
		},
		Missed: h.Publish,
		Reload: func(d time.Duration, _ int) {
			rm.reloads.Inc()
			rm.reloadSeconds.Set(d.Seconds())
		},
		Live: func(ok bool) {
			if !ok {
				rm.outages.Inc()
			}
		},
	}
}
