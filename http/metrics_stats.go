package http

import "github.com/prometheus/client_golang/prometheus"

// statMetric is one metric read from a snapshot S of some statistics: a
// counter when counter is set, else a gauge.
type statMetric[S any] struct {
	name, help string
	counter    bool
	value      func(S) float64
}

// registerStats exports each metric of ms, read from a fresh snapshot
// (read) at every scrape: the figures stay where they are kept, and the
// metrics only look at them.
func registerStats[S any](r registrar, read func() S, ms []statMetric[S]) {
	for _, sm := range ms {
		value := sm.value
		f := func() float64 { return value(read()) }
		if sm.counter {
			register(r, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: sm.name, Help: sm.help}, f))
		} else {
			register(r, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: sm.name, Help: sm.help}, f))
		}
	}
}
