package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the API's collectors, registered on Config.Registry.
type metrics struct {
	requests    *prometheus.CounterVec   // route, method, status
	duration    *prometheus.HistogramVec // route
	inflight    prometheus.Gauge
	authFail    *prometheus.CounterVec // reason
	rateLimited prometheus.Counter
	replays     prometheus.Counter
	codes       *prometheus.CounterVec // outcome of code submissions: accepted, wrong, expired, used, exhausted
	worker      *prometheus.CounterVec // worker transitions: claim_code_sent, claim_processed, ...
}

func newMetrics(reg *prometheus.Registry, db *pgxpool.Pool, chainID uint64, now func() time.Time, log *slog.Logger) (*metrics, error) {
	const ns, sub = "rahat", "api"
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "REST requests by route pattern, method and HTTP status."}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "request_duration_seconds",
			Help: "REST request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "requests_in_flight",
			Help: "REST requests being served."}),
		authFail: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "auth_failures_total",
			Help: "Refused bearer tokens by reason (missing, expired, signature, unknown_kid, algorithm, ...)."}, []string{"reason"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "rate_limited_total",
			Help: "Requests refused by a client's rate limit."}),
		replays: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "idempotent_replays_total",
			Help: "Requests answered with the stored response of an earlier request with the same Idempotency-Key."}),
		codes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "claim_codes_total",
			Help: "One-time code submissions by outcome (accepted, wrong, expired, used, exhausted)."}, []string{"outcome"}),
		worker: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "worker_transitions_total",
			Help: "State changes made by the background worker, by entity and new state."}, []string{"entity", "state"}),
	}
	states := &stateCollector{db: db, chainID: int64(chainID), now: now, log: log,
		desc: prometheus.NewDesc(ns+"_"+sub+"_objects", "API objects (distributions, claims, settlements) by state, read from the database at scrape time (claims as the API shows them: expired when a sent code has expired).",
			[]string{"entity", "state"}, nil),
		txDesc: prometheus.NewDesc(ns+"_"+sub+"_transactions", "Transactions the API enqueued, by kind and state (txmgr_txs), read at scrape time.",
			[]string{"kind", "state"}, nil),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inflight, m.authFail, m.rateLimited, m.replays, m.codes, m.worker, states} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("registering API metrics: %w", err)
			}
		}
	}
	return m, nil
}

// stateCollector counts the API's objects by state at scrape time, so the figures are right in
// every replica and after restarts.
type stateCollector struct {
	db           *pgxpool.Pool
	chainID      int64
	now          func() time.Time // the API's clock, which expires claim codes
	log          *slog.Logger
	desc, txDesc *prometheus.Desc
}

const stateCountsSQL = `
SELECT 'distribution', state, count(*) FROM api_distributions WHERE chain_id = $1 GROUP BY state
UNION ALL SELECT 'claim', CASE WHEN state = 'code_sent' AND code_expires_at < $2 THEN 'expired' ELSE state END, count(*)
          FROM api_claims WHERE chain_id = $1 GROUP BY 2
UNION ALL SELECT 'settlement', state, count(*) FROM api_settlements WHERE chain_id = $1 GROUP BY state`

// The API's transactions are recognised by their kind (see the kind constants).
const txCountsSQL = `
SELECT kind, state, count(*) FROM txmgr_txs
WHERE chain_id = $1 AND kind = ANY($2) GROUP BY kind, state`

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc; ch <- s.txDesc }

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	// Collect has no context; a scrape must not hang on a stuck database.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	emit := func(desc *prometheus.Desc, sql string, args ...any) {
		rows, err := s.db.Query(ctx, sql, args...)
		if err != nil {
			s.log.Warn("collecting API state metrics", "err", err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var a, b string
			var n int64
			if err := rows.Scan(&a, &b, &n); err != nil {
				s.log.Warn("collecting API state metrics", "err", err)
				return
			}
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n), a, b)
		}
	}
	emit(s.desc, stateCountsSQL, s.chainID, s.now())
	emit(s.txDesc, txCountsSQL, s.chainID, allKinds)
}
