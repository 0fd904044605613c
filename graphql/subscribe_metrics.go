package graphql

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type liveMetrics struct {
	connections   *prometheus.GaugeVec
	subscriptions *prometheus.GaugeVec
	groups        prometheus.Gauge
	messages      prometheus.Counter
	drops         *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	delivery      prometheus.Histogram
	reads         prometheus.Histogram
	readErrors    prometheus.Counter
	scans         *prometheus.CounterVec
	skips         prometheus.Counter
}

func newLiveMetrics(reg *prometheus.Registry) (*liveMetrics, error) {
	m := &liveMetrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "rahat_graphql_live_connections",
			Help: "Open subscription connections by protocol (graphql-transport-ws, graphql-ws, sse)."}, []string{"protocol"}),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "rahat_graphql_live_subscriptions",
			Help: "Active subscriptions by kind (result, rows, blocks, reorgs)."}, []string{"kind"}),
		groups: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rahat_graphql_live_groups",
			Help: "Distinct subscriptions (identical ones share one group and one read per block)."}),
		messages: prometheus.NewCounter(prometheus.CounterOpts{Name: "rahat_graphql_live_messages_total",
			Help: "Results written to subscribers."}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rahat_graphql_live_drops_total",
			Help: "Subscribers disconnected by the server, by reason (too_slow: their queue was full)."}, []string{"reason"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rahat_graphql_live_rejected_total",
			Help: "Connections and operations refused, by reason (connections_per_ip, subscriptions_per_connection, auth, init_timeout)."}, []string{"reason"}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rahat_graphql_live_delivery_seconds",
			Help:    "Time from receiving a commit's notification to writing a result it caused to a subscriber.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		reads: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rahat_graphql_live_read_seconds",
			Help:    "Time of a live query's read (once per group and block that touches it).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		readErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "rahat_graphql_live_read_errors_total",
			Help: "Live query reads that failed (retried on the next block)."}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rahat_graphql_live_filter_scans_total",
			Help: "Reads of a commit's new rows of one table, shared by the filtered subscriptions on it, by outcome (ok; too_many, behind, error: every one re-reads)."}, []string{"outcome"}),
		skips: prometheus.NewCounter(prometheus.CounterOpts{Name: "rahat_graphql_live_filter_skips_total",
			Help: "List subscriptions not re-read after a commit to their table because none of its new rows matched their filter."}),
	}
	for _, c := range []prometheus.Collector{m.connections, m.subscriptions, m.groups, m.messages, m.drops, m.rejected, m.delivery, m.reads, m.readErrors, m.scans, m.skips} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering live metrics (one server with subscriptions per registry): %w", err)
		}
	}
	return m, nil
}
