package graphql

import (
	"context"
	"errors"
	"fmt"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	// merged counts the statements that answered several concurrent reads, and those reads
	// (query/coalesce.go).
	merged, mergedReads prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rahat_graphql_request_duration_seconds",
			Help:    "Time to answer a GraphQL operation, by outcome (ok or error).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rahat_graphql_errors_total",
			Help: "GraphQL errors by kind: user (bad query or argument), depth, complexity, timeout, cancelled, internal.",
		}, []string{"kind"}),
		merged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rahat_graphql_merged_statements_total",
			Help: "Statements that answered several concurrent reads of the same shape at once (the fast path's lookups and lists, under load).",
		}),
		mergedReads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rahat_graphql_merged_reads_total",
			Help: "Reads answered by merged statements; divided by rahat_graphql_merged_statements_total, the mean batch.",
		}),
	}
	for i, c := range []prometheus.Collector{m.duration, m.errors, m.merged, m.mergedReads} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("registering graphql metrics: %w", err)
			}
			// Another handler on the same registry: share its collector.
			switch i {
			case 0:
				m.duration = are.ExistingCollector.(*prometheus.HistogramVec)
			case 1:
				m.errors = are.ExistingCollector.(*prometheus.CounterVec)
			case 2:
				m.merged = are.ExistingCollector.(prometheus.Counter)
			case 3:
				m.mergedReads = are.ExistingCollector.(prometheus.Counter)
			}
		}
	}
	return m, nil
}

// observe times each response.
func (m *metrics) observe(ctx context.Context, next gql.ResponseHandler) *gql.Response {
	start := time.Now()
	resp := next(ctx)
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
	}
	m.duration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	return resp
}
