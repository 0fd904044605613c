package indexer

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the rahat_indexer_* collectors. Every series carries the network label, so several
// indexers can share one registry.
type metrics struct {
	head, indexed, final     *prometheus.GaugeVec
	lagBlocks, lagSeconds    *prometheus.GaugeVec
	blocks, logs             *prometheus.CounterVec
	rpcCalls                 *prometheus.CounterVec
	rpcLatency               *prometheus.HistogramVec
	rangeSize                *prometheus.GaugeVec
	reorgs                   *prometheus.HistogramVec
	deepReorgs               *prometheus.CounterVec
	rollback, dbWrite        *prometheus.HistogramVec
	undecodable, writerState *prometheus.CounterVec
	active                   *prometheus.GaugeVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	const ns = "rahat_indexer"
	m := &metrics{
		head: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "head_block",
			Help: "Latest block number the node reported."}, []string{"network"})),
		indexed: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "indexed_block",
			Help: "Highest block whose events are committed."}, []string{"network"})),
		final: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "finalized_block",
			Help: "Block treated as final (head minus finality depth, or the node's finality tag)."}, []string{"network"})),
		lagBlocks: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "lag_blocks",
			Help: "Head minus indexed block."}, []string{"network"})),
		lagSeconds: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "lag_seconds",
			Help: "Wall-clock time minus the timestamp of the indexed block."}, []string{"network"})),
		blocks: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "blocks_total",
			Help: "Blocks committed (rate() gives blocks/s)."}, []string{"network"})),
		logs: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "logs_total",
			Help: "Event rows committed (rate() gives logs/s)."}, []string{"network"})),
		rpcCalls: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "rpc_requests_total",
			Help: "JSON-RPC requests by method and outcome."}, []string{"network", "method", "outcome"})),
		rpcLatency: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "rpc_duration_seconds",
			Help:    "JSON-RPC request latency by method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14)}, []string{"network", "method"})),
		rangeSize: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "range_size_blocks",
			Help: "Current adaptive eth_getLogs block range."}, []string{"network"})),
		reorgs: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "reorg_depth_blocks",
			Help:    "Reorgs handled, by depth (the _count is the number of reorgs).",
			Buckets: []float64{1, 2, 3, 5, 8, 16, 32, 64, 128, 256}}, []string{"network"})),
		deepReorgs: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "deep_reorgs_total",
			Help: "Reorgs deeper than the finality window (an alarm)."}, []string{"network"})),
		rollback: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "rollback_duration_seconds",
			Help:    "Time to roll back and apply a new branch, detection to commit.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, []string{"network"})),
		dbWrite: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "db_write_duration_seconds",
			Help:    "Latency of one indexing transaction, begin to commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14)}, []string{"network"})),
		undecodable: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "undecodable_logs_total",
			Help: "Logs of a known address and topic0 that did not decode with the ABI (skipped)."}, []string{"network"})),
		writerState: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "restarts_total",
			Help: "Times the indexing loop restarted after an error, by cause."}, []string{"network", "cause"})),
		active: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "active",
			Help: "1 while this process holds the network's writer lock, 0 while standby."}, []string{"network"})),
	}
	return m
}

// register registers c, or returns the collector already registered under the same description
// so several indexers can share a registry.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err) // a programming error: two different collectors with one name
	}
	return c
}
