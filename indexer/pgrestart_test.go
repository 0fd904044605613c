package indexer_test

import (
	"testing"
	"time"

	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/pgcluster"
	"github.com/rahataid/rahat/store"
)

// TestPostgresRestart stops PostgreSQL under a following indexer while blocks keep coming, starts
// it again, and expects the indexer to reconnect, take its lock back and resume exactly.
func TestPostgresRestart(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 400)
	ctx := testCtx(t, 3*time.Minute)
	steps(t, ctx, w, 30, 3)
	cluster := pgtest.NewCluster(t)
	db, err := store.Open(ctx, cluster.URL(pgcluster.DefaultDatabase), store.PoolConfig{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	ix := newIndexer(t, db, testNetwork(w.Chain, true), w.Sources("dev"), nil)
	start(t, ix)
	waitHead(t, ix, w.Chain)

	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	steps(t, ctx, w, 10, 3)
	if _, err := ix.WaitFor(ctx, func(s indexer.Status) bool { return s.LastErr != nil }); err != nil {
		t.Fatalf("indexer did not notice the database going away: %v", err)
	}
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	steps(t, ctx, w, 5, 3)
	waitHead(t, ix, w.Chain)
	assertFresh(t, db, w)
}
