package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/internal/pgtest"
)

func TestReadyz(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	mux := http.NewServeMux()
	mountOps(mux, prometheus.NewRegistry(), &database{Pool: pool, Read: pool}, 10)
	status := func() int {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code
	}
	ctx := context.Background()
	tests := []struct {
		name string
		sql  string
		want int
	}{
		{"no chain yet", ``, http.StatusOK},
		{"within the lag", `INSERT INTO indexer_chains (chain_id, network, start_block, indexed_block, head_block) VALUES (1, 'a', 0, 100, 105)`, http.StatusOK},
		{"too far behind", `UPDATE indexer_chains SET head_block = 200`, http.StatusServiceUnavailable},
		{"caught up", `UPDATE indexer_chains SET indexed_block = 195`, http.StatusOK},
		{"indexing error", `UPDATE indexer_chains SET has_indexing_errors = true`, http.StatusServiceUnavailable},
	}
	for _, tt := range tests { // sequential: each step builds on the last
		if tt.sql != "" {
			if _, err := pool.Exec(ctx, tt.sql); err != nil {
				t.Fatal(err)
			}
		}
		if got := status(); got != tt.want {
			t.Fatalf("%s: /readyz = %d, want %d", tt.name, got, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/healthz = %d", rec.Code)
	}
}
