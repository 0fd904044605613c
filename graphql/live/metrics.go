package live

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	up            prometheus.Gauge
	reconnects    prometheus.Counter
	notifications *prometheus.CounterVec
	feeds         prometheus.Gauge
	replicaWait   prometheus.Histogram
	replicaLate   prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		up: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rahat_live_listener_up",
			Help: "1 while the subscription hub's LISTEN session is up and caught up."}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "rahat_live_listener_reconnects_total",
			Help: "LISTEN sessions lost (each is followed by a reconnection and a catch-up)."}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rahat_live_notifications_total",
			Help: "Indexer notifications by outcome: block, reorg, stale (already covered by a catch-up), bad, catchup, catchup_reorg."}, []string{"kind"}),
		feeds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rahat_live_feeds",
			Help: "Consumers of the hub's events (one per GraphQL server)."}),
		replicaWait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rahat_live_replica_wait_seconds",
			Help:    "Time an event waited for the read replica to index its head.",
			Buckets: []float64{.001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}),
		replicaLate: prometheus.NewCounter(prometheus.CounterOpts{Name: "rahat_live_replica_late_total",
			Help: "Events released before the read replica had indexed their head (the wait timed out)."}),
	}
	for _, c := range []prometheus.Collector{m.up, m.reconnects, m.notifications, m.feeds, m.replicaWait, m.replicaLate} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("live: registering metrics: %w", err)
		}
	}
	return m, nil
}
