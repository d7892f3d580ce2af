package application

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's Prometheus metrics, beside those
// controller-runtime exports for every controller (queue depth, reconcile
// counts and latencies).
type metrics struct {
	reconciles prometheus.Counter
	// quietReconciles are reconciles that found nothing changed since a
	// quiet one and stopped early.
	quietReconciles prometheus.Counter
	statusWrites    prometheus.Counter
	renders         *prometheus.CounterVec
	syncs           *prometheus.CounterVec
	syncSeconds     prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		reconciles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tether_application_reconciles_total",
			Help: "Reconciles of Applications.",
		}),
		quietReconciles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tether_application_quiet_reconciles_total",
			Help: "Reconciles that stopped early: nothing the last one read had changed (the Application, its live objects, its AppProject, the commit of its target revision).",
		}),
		statusWrites: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tether_application_status_writes_total",
			Help: "Writes of an Application's status; a reconcile in which nothing changed makes none.",
		}),
		renders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tether_application_renders_total",
			Help: "Renders of Application sources (cache misses), by result.",
		}, []string{"result"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tether_application_syncs_total",
			Help: "Sync operations, by final phase and trigger.",
		}, []string{"phase", "trigger"}),
		syncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tether_application_sync_duration_seconds",
			Help:    "Duration of sync operations.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
	}
	m.reconciles = register(reg, m.reconciles)
	m.quietReconciles = register(reg, m.quietReconciles)
	m.statusWrites = register(reg, m.statusWrites)
	m.renders = register(reg, m.renders)
	m.syncs = register(reg, m.syncs)
	m.syncSeconds = register(reg, m.syncSeconds)
	return m
}

// register registers c, or returns the collector registered already under
// its name (several controllers in one process, as in tests).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
