package entity_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/internal/dbcompare"
	"github.com/rahataid/rahat/internal/pgtest"
)

var rollbackRuns = flag.Int("entity.rollback-runs", 24, "seeded runs of TestRollbackEqualsFresh")

// entityTables are the tables the handler writes.
func entityTables() []dbcompare.Table {
	var out []dbcompare.Table
	for _, n := range []string{"ent_tokens", "ent_projects", "ent_beneficiaries", "ent_vendors", "ent_claims",
		"ent_balances", "ent_offline_claims", "ent_redemptions"} {
		out = append(out, dbcompare.Table{Name: n})
	}
	return out
}

func assertSameEntities(t testing.TB, ctx context.Context, got, want *pgxpool.Pool) {
	t.Helper()
	diff, err := dbcompare.Diff(ctx, got, want, entityTables(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("entities differ from a fresh index:\n%s", diff)
	}
}

// TestRollbackEqualsFresh applies a programme's events in random batches with rollbacks to random
// ancestors in between (each followed by re-applying what was undone, in other batches); the
// result must equal a fresh index row for row, versions and all.
func TestRollbackEqualsFresh(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 5*time.Minute)
	w := newWorld(t, 3)
	w.setup(ctx, 2, 2)
	for range 40 {
		w.step(ctx, 1+w.rng.IntN(8))
	}
	d := newDecoder(t)
	events := d.events(t, ctx, w, w.deployBlock, w.head())
	h := newHandler(t, w)
	fresh := pgtest.New(t)
	for _, b := range byBlocks(events, 1000, func(int) int { return 1000 }) {
		handle(t, ctx, fresh, h, b)
	}
	first, head := w.deployBlock, w.head()
	for run := range *rollbackRuns {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			t.Parallel()
			// Its own deadline: a parallel subtest may wait long for a slot after the parent's began.
			ctx := testCtx(t, 5*time.Minute)
			rng := rand.New(rand.NewPCG(uint64(run), 42))
			db := pgtest.New(t)
			applied := first - 1 // everything up to here is in db
			apply := func(to uint64) {
				var span []indexer.Event
				for _, ev := range events {
					if ev.BlockNumber > applied && ev.BlockNumber <= to {
						span = append(span, ev)
					}
				}
				for _, b := range byBlocks(span, 12, func(n int) int { return 1 + rng.IntN(n) }) {
					handle(t, ctx, db, h, b)
				}
				applied = to
			}
			for range 1 + rng.IntN(4) {
				apply(applied + 1 + rng.Uint64N(head-applied))
				anc := first - 1 + rng.Uint64N(applied-first+2) // the ancestor may be below every event
				rollback(t, ctx, db, h, anc)
				applied = anc
			}
			apply(head)
			assertSameEntities(t, ctx, db, fresh)
		})
	}
}

// TestReorgBranchesEqualFresh follows a chain through real reorgs whose new branches drop,
// re-include or replace the old transactions; after each, the handler rolls back to the common
// ancestor and applies the new branch. The result must equal a fresh index of the final chain and
// match the chain's state.
func TestReorgBranchesEqualFresh(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 5*time.Minute)
	w := newWorld(t, 11)
	w.setup(ctx, 2, 2)
	w.strict = false // reorgs replay transactions on states the model did not plan for
	for range 15 {
		w.step(ctx, 1+w.rng.IntN(6))
	}
	d := newDecoder(t)
	h := newHandler(t, w)
	db := pgtest.New(t)
	index(t, ctx, db, h, d, w, w.deployBlock, w.head(), 6)
	indexed := w.head()
	for r := range 10 {
		for range 1 + w.rng.IntN(5) {
			w.step(ctx, 1+w.rng.IntN(6))
		}
		index(t, ctx, db, h, d, w, indexed+1, w.head(), 3)
		depth := 1 + w.rng.IntN(min(24, int(w.head()-w.deployBlock)-6))
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
		res, err := w.chain.Reorg(ctx, depth, depth+1+w.rng.IntN(3), opts)
		if err != nil {
			t.Fatalf("reorg %d: %v", r, err)
		}
		w.sent = nil
		w.sync(ctx)
		rollback(t, ctx, db, h, res.Ancestor.Number)
		index(t, ctx, db, h, d, w, res.Ancestor.Number+1, w.head(), 3)
		indexed = w.head()
		assertChecks(t, ctx, db, w, w.head())
	}
	fresh := pgtest.New(t)
	index(t, ctx, fresh, h, d, w, w.deployBlock, w.head(), 50)
	assertSameEntities(t, ctx, db, fresh)
}
