package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rahataid/rahat/internal/segment"
)

// readyQuery finds the chains whose index trails the node's head by more than $1 blocks, or that hit an
// indexing error.
const readyQuery = `SELECT count(*) FROM indexer_chains
	WHERE has_indexing_errors OR coalesce(head_block, indexed_block) - indexed_block > $1`

// mountOps adds /metrics, /healthz (the process is up) and /readyz (the database answers, the schema is
// migrated, and every indexed chain is within maxLag blocks of its head without indexing errors).
func mountOps(mux *http.ServeMux, reg *prometheus.Registry, db *database, maxLag uint64) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		var behind int
		if err := db.Read.QueryRow(ctx, readyQuery, int64(maxLag)).Scan(&behind); err != nil {
			http.Error(w, "database unavailable or not migrated", http.StatusServiceUnavailable)
			return
		}
		if behind > 0 {
			http.Error(w, "index behind the chain head or in error", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
}

// serveHTTP serves handler on addr until ctx ends, then drains requests for at most drain.
func serveHTTP(ctx context.Context, log *slog.Logger, addr string, handler http.Handler, drain time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	// Requests get a context that outlives the signal, so that Shutdown can drain them; it is cancelled
	// once draining is over, which ends long-lived streams (websockets are hijacked and not drained).
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	// ConnContext and the segment.Listener let GraphQL's fast path send an answer in one write.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return base },
		ConnContext: segment.ConnContext}
	log.Info("http serving", "addr", "http://"+ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(segment.Listener{Listener: ln}) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err = srv.Shutdown(sctx)
	cancelBase()
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("http drain timed out; closing the remaining connections", "addr", addr)
		return srv.Close()
	}
	return err
}
