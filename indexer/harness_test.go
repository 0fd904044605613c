package indexer_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/internal/dbcompare"
	"github.com/rahataid/rahat/indexer/internal/scenario"
	"github.com/rahataid/rahat/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testLogger logs warnings and errors to the test output (everything with RAHAT_TEST_DEBUG=1).
func testLogger(t testing.TB) *slog.Logger {
	lvl := slog.LevelWarn
	if os.Getenv("RAHAT_TEST_DEBUG") != "" {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: lvl}))
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// startWorld starts a dev chain (blocks on demand only) and deploys the contracts.
func startWorld(t testing.TB, seed uint64) *scenario.World {
	t.Helper()
	c, err := devchain.Start(t.Context(), devchain.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("starting dev chain: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	w, err := scenario.Deploy(testCtx(t, time.Minute), c, seed)
	if err != nil {
		t.Fatalf("deploying: %v", err)
	}
	return w
}

// steps plays n blocks of up to k random actions each.
func steps(t testing.TB, ctx context.Context, w *scenario.World, n, k int) {
	t.Helper()
	for range n {
		if err := w.Step(ctx, 1+w.Rand().IntN(k)); err != nil {
			t.Fatalf("step: %v", err)
		}
	}
}

// testNetwork is a network config for the dev chain tuned for tests: small ranges so that
// backfills have several ranges in flight, fast polling and fast retries.
func testNetwork(c *devchain.Chain, ws bool) config.Network {
	n := config.Network{
		Name: "dev", ChainID: devchain.ChainID, RPCURL: c.HTTPURL(), FinalityDepth: 64,
		PollInterval: config.Duration(20 * time.Millisecond), MaxBlockRange: 16, Concurrency: 3,
		RequestTimeout: config.Duration(10 * time.Second),
	}
	if ws {
		n.WSURL = c.WSURL()
	}
	return n
}

func newIndexer(t testing.TB, db *pgxpool.Pool, n config.Network, srcs []config.Source, mod func(*indexer.Config)) *indexer.Indexer {
	t.Helper()
	cfg := indexer.Config{
		Network: n, Sources: srcs, DB: db, ABI: contracts.ABI, Logger: testLogger(t),
		Registry: prometheus.NewRegistry(), RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		LockCheckInterval: 100 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	ix, err := indexer.New(cfg)
	if err != nil {
		t.Fatalf("indexer.New: %v", err)
	}
	return ix
}

// start runs ix until the returned stop is called (or the test ends); stop returns Run's error.
func start(t testing.TB, ix *indexer.Indexer) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ix.Run(ctx) }()
	var err error
	stopped := false
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitHead waits until ix has indexed the chain's current head (number and hash).
func waitHead(t testing.TB, ix *indexer.Indexer, c *devchain.Chain) {
	t.Helper()
	ctx := testCtx(t, 90*time.Second)
	head := c.Head().Latest
	if _, err := ix.WaitFor(ctx, func(s indexer.Status) bool {
		// The chain may change while we wait (a reorg made by a hook): compare with its head now.
		head = c.Head().Latest
		return s.HasIndexed && s.Indexed == head.Number && s.Hash == head.Hash
	}); err != nil {
		t.Fatalf("waiting for head %d %s: %v (status %+v)", head.Number, head.Hash, err, ix.Status())
	}
}

// assertFresh indexes the chain from scratch into a new database and compares every indexed
// table with db, row for row.
func assertFresh(t testing.TB, db *pgxpool.Pool, w *scenario.World, extra ...dbcompare.Table) {
	t.Helper()
	fresh := pgtest.New(t)
	ix := newIndexer(t, fresh, testNetwork(w.Chain, false), w.Sources("dev"), func(c *indexer.Config) {
		c.Network.MaxBlockRange = 1000
	})
	stop := start(t, ix)
	waitHead(t, ix, w.Chain)
	if err := stop(); err != nil {
		t.Fatalf("fresh indexer: %v", err)
	}
	assertEqualDBs(t, db, fresh, extra...)
}

func assertEqualDBs(t testing.TB, got, want *pgxpool.Pool, extra ...dbcompare.Table) {
	t.Helper()
	ctx := testCtx(t, time.Minute)
	tables, err := dbcompare.IndexerTables(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := dbcompare.Diff(ctx, got, want, append(tables, extra...), 20)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("index differs from a fresh index of the final chain:\n%s", diff)
	}
}

func pgtestNew(t testing.TB) *pgxpool.Pool { return pgtest.New(t) }
