package graphql_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/workload"
)

// world is a dev chain on which the workload played an aid programme, indexed by the real indexer
// (with the derived entities) into a fresh database, and a GraphQL client on that database.
type world struct {
	chain *devchain.Chain
	dep   *workload.Deployment
	sum   workload.Summary
	db    *pgxpool.Pool
	ix    *indexer.Indexer
	c     *client
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// newWorld plays the workload profile on a new dev chain and indexes it.
func newWorld(t testing.TB, profile string, seed int64) *world {
	t.Helper()
	ctx := testCtx(t, 5*time.Minute)
	quiet := slog.New(slog.DiscardHandler)
	chain, err := devchain.Start(ctx, devchain.Config{Logger: quiet})
	if err != nil {
		t.Fatalf("starting dev chain: %v", err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	seal := func(ctx context.Context) error { _, err := chain.Mine(ctx, 1); return err }
	opts := workload.Options{Seal: seal, Logger: quiet}
	admin := chain.Keys()[0]
	dep, err := workload.Deploy(ctx, chain.Client(), admin, opts)
	if err != nil {
		t.Fatalf("deploying: %v", err)
	}
	cfg, err := workload.Profile(profile, seed)
	if err != nil {
		t.Fatal(err)
	}
	wl, err := workload.New(ctx, chain.Client(), dep, admin, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := wl.Run(ctx)
	if err != nil {
		t.Fatalf("workload: %v", err)
	}
	w := &world{chain: chain, dep: dep, sum: sum, db: pgtest.New(t)}
	w.ix = w.startIndexer(t)
	w.waitHead(t)
	w.c = serve(t, w.db, nil)
	return w
}

func (w *world) startIndexer(t testing.TB) *indexer.Indexer {
	t.Helper()
	rpc, err := entity.NewRPC(w.chain.Client())
	if err != nil {
		t.Fatal(err)
	}
	h, err := entity.New(entity.Config{Chain: rpc, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := indexer.New(indexer.Config{
		Network: config.Network{Name: "dev", ChainID: devchain.ChainID, RPCURL: w.chain.HTTPURL(), FinalityDepth: 64,
			PollInterval: config.Duration(20 * time.Millisecond), RequestTimeout: config.Duration(10 * time.Second)},
		Sources: w.dep.Sources("dev"), DB: w.db, ABI: contracts.ABI, Handlers: []indexer.Handler{h},
		Logger: testLogger(t), Registry: prometheus.NewRegistry(),
		RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond, LockCheckInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("indexer.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ix.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("indexer: %v", err)
		}
	})
	return ix
}

// waitHead waits until the indexer has committed the chain's current head.
func (w *world) waitHead(t testing.TB) {
	t.Helper()
	ctx := testCtx(t, 2*time.Minute)
	if _, err := w.ix.WaitFor(ctx, func(s indexer.Status) bool {
		head := w.chain.Head().Latest
		return s.HasIndexed && s.Indexed == head.Number && s.Hash == head.Hash
	}); err != nil {
		t.Fatalf("waiting for the indexer: %v (status %+v)", err, w.ix.Status())
	}
}
