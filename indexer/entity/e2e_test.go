package entity_test

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
	"github.com/rahataid/rahat/indexer/internal/dbcompare"
	"github.com/rahataid/rahat/internal/pgtest"
)

// sources are the manifest's data sources for the world, named as in the dev manifest.
func (w *world) sources() []config.Source {
	return []config.Source{
		{Name: "RahatTreasury", Network: "dev", Contract: "RahatTreasury", Address: w.treasury.Hex(), StartBlock: w.deployBlock},
		{Name: "RahatProjectFactory", Network: "dev", Contract: "RahatProjectFactory", Address: w.factory.Hex(), StartBlock: w.deployBlock},
		{Name: "RahatToken", Network: "dev", Contract: "RahatToken", StartBlock: w.deployBlock,
			Factory: &config.Factory{Source: "RahatTreasury", Event: "TokenCreated", Param: "tokenAddress"}},
		{Name: "RahatProject", Network: "dev", Contract: "RahatProject", StartBlock: w.deployBlock,
			Factory: &config.Factory{Source: "RahatProjectFactory", Event: "ProjectCreated", Param: "projectAddress"}},
	}
}

// runIndexer runs the real indexer with the entity handler on db until the test ends; it returns
// the indexer and a function that waits until it has committed the chain's head.
func runIndexer(t *testing.T, w *world, db *pgxpool.Pool, h *entity.Handler, maxRange uint64) (*indexer.Indexer, func()) {
	t.Helper()
	ix, err := indexer.New(indexer.Config{
		Network: config.Network{Name: "dev", ChainID: devchain.ChainID, RPCURL: w.chain.HTTPURL(), FinalityDepth: 64,
			PollInterval: config.Duration(20 * time.Millisecond), MaxBlockRange: maxRange, Concurrency: 2,
			RequestTimeout: config.Duration(10 * time.Second)},
		Sources: w.sources(), DB: db, ABI: contracts.ABI, Handlers: []indexer.Handler{h},
		Logger:   slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Registry: prometheus.NewRegistry(), RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		LockCheckInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
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
	wait := func() {
		t.Helper()
		wctx := testCtx(t, 90*time.Second)
		if _, err := ix.WaitFor(wctx, func(s indexer.Status) bool {
			head := w.chain.Head().Latest
			return s.HasIndexed && s.Indexed == head.Number && s.Hash == head.Hash
		}); err != nil {
			t.Fatalf("waiting for the head: %v (status %+v)", err, ix.Status())
		}
	}
	return ix, wait
}

// TestIndexerEndToEnd runs the real indexer with the entity handler over a programme with live
// blocks and reorgs of every kind; the entities must match the chain after each reorg and, at the
// end, equal (with the event tables) a fresh index of the final chain by a second indexer.
func TestIndexerEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 5*time.Minute)
	w := newWorld(t, 21)
	w.setup(ctx, 2, 2)
	for range 20 {
		w.step(ctx, 1+w.rng.IntN(6))
	}
	db := pgtest.New(t)
	ix, wait := runIndexer(t, w, db, newHandler(t, w), 16)
	wait()
	assertChecks(t, ctx, db, w, w.head())
	w.strict = false
	for r := range 6 {
		for range 1 + w.rng.IntN(4) {
			w.step(ctx, 1+w.rng.IntN(6))
		}
		wait()
		depth := 1 + w.rng.IntN(12)
		var opts devchain.ReorgOptions
		switch r % 3 {
		case 1:
			opts.Reinclude = true
		case 2:
			opts.Before = func(ctx context.Context) error {
				w.sync(ctx)
				w.send(ctx, 1+w.rng.IntN(6))
				return nil
			}
		}
		if _, err := w.chain.Reorg(ctx, depth, depth+1+w.rng.IntN(2), opts); err != nil {
			t.Fatalf("reorg %d: %v", r, err)
		}
		w.sent = nil
		w.sync(ctx)
		wait()
		assertChecks(t, ctx, db, w, w.head())
	}
	if st := ix.Status(); st.Reorgs == 0 {
		t.Fatalf("the indexer saw no reorg (status %+v)", st)
	}
	fresh := pgtest.New(t)
	_, waitFresh := runIndexer(t, w, fresh, newHandler(t, w), 1000)
	waitFresh()
	tables, err := dbcompare.IndexerTables(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := dbcompare.Diff(ctx, db, fresh, append(tables, entityTables()...), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("the index differs from a fresh index of the final chain:\n%s", diff)
	}
}
