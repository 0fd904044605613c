package indexer_test

import (
	"testing"
	"time"

	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
)

// TestStandbyTakeover runs two indexers on one database: the second waits as a standby, takes
// over when the first stops, and again when the first one's lock connection is killed.
func TestStandbyTakeover(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 11)
	ctx := testCtx(t, 2*time.Minute)
	steps(t, ctx, w, 20, 3)
	db := pgtestNew(t)
	a := newIndexer(t, db, testNetwork(w.Chain, true), w.Sources("dev"), nil)
	stopA := start(t, a)
	waitHead(t, a, w.Chain)
	b := newIndexer(t, db, testNetwork(w.Chain, true), w.Sources("dev"), nil)
	stopB := start(t, b)
	if _, err := b.WaitFor(ctx, func(s indexer.Status) bool { return s.Standby }); err != nil {
		t.Fatalf("second indexer never became standby: %v", err)
	}
	steps(t, ctx, w, 5, 3)
	waitHead(t, a, w.Chain)
	if st := b.Status(); st.Active || st.HasIndexed {
		t.Fatalf("standby wrote or claims the lock: %+v", st)
	}

	// A clean stop hands over.
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	steps(t, ctx, w, 5, 3)
	waitHead(t, b, w.Chain)

	// A dropped lock session hands over too: the old writer stops at once and becomes standby.
	a2 := newIndexer(t, db, testNetwork(w.Chain, false), w.Sources("dev"), nil)
	start(t, a2)
	if _, err := a2.WaitFor(ctx, func(s indexer.Status) bool { return s.Standby }); err != nil {
		t.Fatal(err)
	}
	// Only this test's database: the tests running beside it hold the same key in theirs.
	if _, err := db.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid::int8 = ($1::int8 >> 32) & 4294967295 AND objid::int8 = $1::int8 & 4294967295`,
		indexer.LockKey(devchain.ChainID)); err != nil {
		t.Fatal(err)
	}
	if _, err := a2.WaitFor(ctx, func(s indexer.Status) bool { return s.Active }); err != nil {
		t.Fatalf("standby did not take over a dropped lock: %v", err)
	}
	steps(t, ctx, w, 5, 3)
	waitHead(t, a2, w.Chain)
	if _, err := b.WaitFor(ctx, func(s indexer.Status) bool { return s.Standby }); err != nil {
		t.Fatalf("the writer that lost its lock did not fall back to standby: %v", err)
	}
	if err := stopB(); err != nil {
		t.Fatal(err)
	}
	assertFresh(t, db, w)
}
