package entity_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/workload"
)

// TestWorkloadSmall indexes the workload's "small" profile (every event of every contract) with the
// real indexer and the entity handler, and checks every entity against the chain at the head and
// at past blocks.
func TestWorkloadSmall(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 4*time.Minute)
	c, err := devchain.Start(t.Context(), devchain.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	opts := workload.Options{Logger: slog.New(slog.DiscardHandler), Timeout: time.Minute,
		Seal: func(ctx context.Context) error { _, err := c.Mine(ctx, 1); return err }}
	d, err := workload.Deploy(ctx, c.Client(), c.Keys()[0], opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := workload.Profile("small", 5)
	if err != nil {
		t.Fatal(err)
	}
	wl, err := workload.New(ctx, c.Client(), d, c.Keys()[0], cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wl.Run(ctx); err != nil {
		t.Fatalf("workload: %v", err)
	}

	db := pgtest.New(t)
	rpc, err := entity.NewRPC(c.Client())
	if err != nil {
		t.Fatal(err)
	}
	ix, err := indexer.New(indexer.Config{
		Network: config.Network{Name: "dev", ChainID: devchain.ChainID, RPCURL: c.HTTPURL(), FinalityDepth: 64,
			PollInterval: config.Duration(20 * time.Millisecond), MaxBlockRange: 50, Concurrency: 2},
		Sources: d.Sources("dev"), DB: db, ABI: contracts.ABI, Handlers: []indexer.Handler{newHandlerWith(t, rpc)},
		Registry: prometheus.NewRegistry(), RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ix.Run(rctx) }()
	head := c.Head().Latest
	if _, err := ix.WaitFor(ctx, func(s indexer.Status) bool { return s.HasIndexed && s.Indexed == head.Number }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, chain: c, client: c.Client()}
	for _, n := range []uint64{head.Number, head.Number - 3, head.Number - 20, d.StartBlock + 5} {
		assertChecks(t, ctx, db, w, n)
	}
	var kinds int
	if err := db.QueryRow(ctx, `SELECT count(DISTINCT state) FROM ent_claims`).Scan(&kinds); err != nil || kinds != 3 {
		t.Fatalf("claims reached %d of 3 states (%v)", kinds, err)
	}
}
