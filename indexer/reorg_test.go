package indexer_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/rahataid/rahat/indexer"
)

var reorgRuns = flag.Int("reorg.runs", 100, "seeded random runs of TestReorgProperty (issue 4 asks for at least 100 in CI; lower it for a quick local run)")

// TestReorgs follows a chain live through reorgs of several depths and kinds; after each, the
// database must equal a fresh index of the final chain.
func TestReorgs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		depth, extra int
		mode         int // see scenario.World.Reorg
		ws           bool
	}{
		{"depth1-empty", 1, 1, 0, true},
		{"depth5-reinclude", 5, 2, 1, false},
		{"depth5-new-txs", 5, 1, 2, true},
		{"depth64-empty", 64, 3, 0, true},
		{"depth64-new-txs", 64, 1, 2, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := startWorld(t, uint64(100+i))
			ctx := testCtx(t, 3*time.Minute)
			steps(t, ctx, w, tc.depth+20, 4)
			db := pgtestNew(t)
			ix := newIndexer(t, db, testNetwork(w.Chain, tc.ws), w.Sources("dev"), nil)
			start(t, ix)
			waitHead(t, ix, w.Chain)
			res, err := w.Reorg(ctx, tc.depth, tc.extra, tc.mode)
			if err != nil {
				t.Fatalf("reorg: %v", err)
			}
			waitHead(t, ix, w.Chain)
			if st := ix.Status(); st.Reorgs != 1 {
				t.Fatalf("status reports %d reorgs, want 1", st.Reorgs)
			}
			var anc, depth int64
			if err := db.QueryRow(ctx, `SELECT ancestor, depth FROM indexer_reorgs`).Scan(&anc, &depth); err != nil {
				t.Fatalf("reading reorg log: %v", err)
			}
			if uint64(anc) != res.Ancestor.Number || depth != int64(tc.depth) {
				t.Fatalf("reorg logged at ancestor %d depth %d, want %d and %d", anc, depth, res.Ancestor.Number, tc.depth)
			}
			steps(t, ctx, w, 3, 3)
			waitHead(t, ix, w.Chain)
			checkAgainstChain(t, ctx, db, w)
			assertFresh(t, db, w)
		})
	}
}

// TestReorgOfFactoryCreation removes, by a reorg, the blocks that created a token and a project:
// their instances and every row of their events must go.
func TestReorgOfFactoryCreation(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 7)
	ctx := testCtx(t, 2*time.Minute)
	steps(t, ctx, w, 10, 3)
	db := pgtestNew(t)
	ix := newIndexer(t, db, testNetwork(w.Chain, true), w.Sources("dev"), nil)
	start(t, ix)
	waitHead(t, ix, w.Chain)
	instances := func() int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM indexer_instances`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := instances()

	if err := w.CreateToken(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Chain.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateProject(ctx, w.Tokens[len(w.Tokens)-1]); err != nil {
		t.Fatal(err)
	}
	steps(t, ctx, w, 2, 3) // mines the project and uses the new contracts
	waitHead(t, ix, w.Chain)
	if got := instances(); got < before+2 {
		t.Fatalf("instances: %d, want at least %d", got, before+2)
	}
	if _, err := w.Reorg(ctx, 4, 1, 0); err != nil {
		t.Fatal(err)
	}
	waitHead(t, ix, w.Chain)
	if got := instances(); got != before {
		t.Fatalf("instances after the reorg: %d, want %d", got, before)
	}
	assertFresh(t, db, w)
}

// TestReorgDuringBackfill reorganises the chain below the checkpoint while the indexer is still
// catching up, and a second time deeper than the configured finality depth (an alarm, handled
// exactly because the hashes are still stored).
func TestReorgDuringBackfill(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 9)
	ctx := testCtx(t, 3*time.Minute)
	steps(t, ctx, w, 100, 3)
	db := pgtestNew(t)
	reorged := make(chan error, 2)
	n := 0
	ix := newIndexer(t, db, testNetwork(w.Chain, false), w.Sources("dev"), func(c *indexer.Config) {
		c.Network.FinalityDepth = 40
		c.MaxLiveBlocks = 8
		c.OnCommit = func(cm indexer.Commit) {
			// Runs on the indexer's goroutine between two transactions: the chain changes under it.
			if cm.Reorg != nil || cm.To < 70 || n >= 2 {
				return
			}
			n++
			head := w.Chain.Head().Latest.Number
			depth := int(head-cm.To) + 3 // three indexed blocks are replaced
			if n == 2 {
				depth = int(head-cm.To) + 45 // below the finality depth of 40
			}
			_, err := w.Reorg(context.Background(), depth, 2, n)
			reorged <- err
		}
	})
	start(t, ix)
	for range 2 {
		select {
		case err := <-reorged:
			if err != nil {
				t.Fatalf("reorg: %v", err)
			}
		case <-ctx.Done():
			t.Fatal("indexer never reached block 70")
		}
		// The indexer must be past the reorg before the next one is made.
		waitHead(t, ix, w.Chain)
	}
	var deep bool
	var deepCount int
	if err := db.QueryRow(ctx, `SELECT deep_reorg, (SELECT count(*) FROM indexer_reorgs WHERE deep) FROM indexer_chains`).Scan(&deep, &deepCount); err != nil {
		t.Fatal(err)
	}
	if !deep || deepCount != 1 {
		t.Fatalf("deep reorg flag %v, deep reorgs logged %d; want true, 1", deep, deepCount)
	}
	assertFresh(t, db, w)
}

// TestReorgProperty plays seeded random runs mixing blocks, reorgs of depth 1 to 64 (of all three
// kinds) and indexer restarts, with the indexer sometimes caught up and sometimes behind; after
// each run the database must equal a fresh index of the final chain.
func TestReorgProperty(t *testing.T) {
	t.Parallel()
	for run := range *reorgRuns {
		t.Run(fmt.Sprintf("seed%d", run), func(t *testing.T) {
			t.Parallel()
			w := startWorld(t, uint64(1000+run))
			rng := w.Rand()
			ctx := testCtx(t, 4*time.Minute)
			steps(t, ctx, w, 70, 3)
			db := pgtestNew(t)
			net := testNetwork(w.Chain, rng.IntN(2) == 0)
			net.Concurrency = 1 + rng.IntN(4)
			net.MaxBlockRange = uint64(4 + rng.IntN(40))
			net.FinalityDepth = uint64(64 + rng.IntN(32))
			mk := func() func() error {
				return start(t, newIndexer(t, db, net, w.Sources("dev"), nil))
			}
			stop := mk()
			for range 12 + rng.IntN(12) {
				switch k := rng.IntN(10); {
				case k < 5:
					steps(t, ctx, w, 1+rng.IntN(4), 3)
				case k < 9:
					head := int(w.Chain.Head().Latest.Number - w.DeployBlock)
					depth := 1 + rng.IntN(min(64, head-1))
					if _, err := w.Reorg(ctx, depth, 1+rng.IntN(3), rng.IntN(3)); err != nil {
						t.Fatalf("reorg: %v", err)
					}
				default:
					if err := stop(); err != nil {
						t.Fatalf("Run: %v", err)
					}
					stop = mk()
				}
			}
			ix := newIndexer(t, db, net, w.Sources("dev"), nil)
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			start(t, ix)
			waitHead(t, ix, w.Chain)
			assertFresh(t, db, w)
		})
	}
}
