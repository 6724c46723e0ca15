package main

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Instances on one shared store act as one (service/agree.go): one clock,
// agreed settings, no evicting Redis. The server adds its own agreed
// setting (--admins) and a metric of the clock's offset.

// agreedSettings are the server's settings, beyond the service's, that
// every instance on the store must have.
func (m *Main) agreedSettings() map[string]string {
	admins := canonicalAdmins(m.Config.Admins, m.Logger)
	slices.Sort(admins)
	return map[string]string{"--admins": strings.Join(admins, ",")}
}

// clockGauge is the metric of the measured offset to the shared store's
// clock; onClock sets it.
func (m *Main) clockGauge() func(time.Duration) {
	m.clockOffset = prometheus.NewGauge(prometheus.GaugeOpts{Name: "tokenmanager_clock_offset_seconds",
		Help: "The shared store's clock minus this machine's, as last measured (--max-clock-offset bounds it)."})
	return func(d time.Duration) { m.clockOffset.Set(d.Seconds()) }
}
