package txmgr

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the manager's Prometheus collectors, registered on Config.Registry.
type metrics struct {
	txs          *prometheus.GaugeVec   // by signer and state, non-terminal states, as the active sender sees them
	transitions  *prometheus.CounterVec // by state entered
	sendErrors   *prometheus.CounterVec // by signer
	resends      *prometheus.CounterVec // by reason: lost (not in the node's pool), reorg
	replacements *prometheus.CounterVec // by signer: fee-bumped replacements signed
	feeCapped    *prometheus.CounterVec // by signer: replacements impossible under FeeCap
	reorged      prometheus.Counter
	nonceGaps    *prometheus.CounterVec // by signer: persisted nonces the node did not hold, re-sent
	nonceResyncs *prometheus.CounterVec // by signer: next nonce moved up to the chain's (key used elsewhere)
	conflicts    *prometheus.CounterVec // by signer: nonce taken by a foreign transaction, requeued
	toFinal      prometheus.Histogram
	active       *prometheus.GaugeVec // by signer: 1 while this process holds the signer's lock
	waiting      prometheus.GaugeFunc // signers with work waiting for a session slot (MaxSessions)
}

// newMetrics registers the collectors; waiting reads the number of signers waiting for a slot.
func newMetrics(reg *prometheus.Registry, waiting func() float64) (*metrics, error) {
	const ns, sub = "rahat", "txmgr"
	m := &metrics{
		txs: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "txs",
			Help: "Transactions not yet final per signer and state (queued, sent, mined), as seen by the active sender."},
			[]string{"signer", "state"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "state_changes_total",
			Help: "Transactions entering each state (a reorg counts a second sent)."}, []string{"state"}),
		sendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "send_errors_total",
			Help: "Transactions the node refused to estimate (other than a revert) or to accept (other than already knowing them), once per round: a key without ether, say."}, []string{"signer"}),
		resends: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "resends_total",
			Help: "Signed transactions broadcast again with the same bytes, by reason (lost, reorg)."}, []string{"reason"}),
		replacements: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "replacements_total",
			Help: "Stuck transactions replaced by one with the same nonce and higher fees."}, []string{"signer"}),
		feeCapped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "fee_capped_total",
			Help: "Replacements not made because the fees would exceed FeeCap."}, []string{"signer"}),
		reorged: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "reorged_total",
			Help: "Mined transactions whose block left the canonical chain."}),
		nonceGaps: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "nonce_gaps_total",
			Help: "Persisted nonces the node did not hold (dropped, never sent, lost by a reorg), re-sent."}, []string{"signer"}),
		nonceResyncs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "nonce_resyncs_total",
			Help: "Times the next nonce moved up to the chain's because the key was used outside this manager."}, []string{"signer"}),
		conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "nonce_conflicts_total",
			Help: "Transactions requeued because a foreign transaction took their nonce for good."}, []string{"signer"}),
		toFinal: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "time_to_final_seconds",
			Help:    "Time from enqueue to final.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 14)}), // 0.25 s .. ~68 min
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "sender_active",
			Help: "1 while this process holds the signer's sender lock (held only while the signer has transactions queued, sent or mined but not final)."}, []string{"signer"}),
		waiting: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "sessions_waiting",
			Help: "Signers with work waiting for one of this process's sender slots (tx.max_sessions)."}, waiting),
	}
	for _, c := range []prometheus.Collector{m.waiting, m.txs, m.transitions, m.sendErrors, m.resends, m.replacements,
		m.feeCapped, m.reorged, m.nonceGaps, m.nonceResyncs, m.conflicts, m.toFinal, m.active} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering txmgr metrics: %w", err)
		}
	}
	return m, nil
}
