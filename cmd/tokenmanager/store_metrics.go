package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tokenmanager/tokenmanager"
)

// registerStoreMetrics adds tokenmanager_store_write_failing for a store
// that can tell (the embedded one): 1 while its writes fail for want of
// room (a full disk), the signal to alert on, since readiness stays up
// while verification still works (docs/reliability.md).
func registerStoreMetrics(reg *prometheus.Registry, s tokenmanager.Store) {
	w, ok := s.(interface{ WriteFailing() bool })
	if !ok {
		return
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmanager_store_write_failing",
		Help: "1 while the embedded store's writes fail for want of room (a full disk or file size limit), else 0.",
	}, func() float64 {
		if w.WriteFailing() {
			return 1
		}
		return 0
	}))
}
