package indexer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/schema"
)

// allTables returns the event tables of every contract, as the indexer creates them.
func allTables(t *testing.T) []*schema.Table {
	t.Helper()
	out, err := schema.ForContracts(contracts.Names(), contracts.ABI)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkCovered fails unless every covering index of every existing event table is valid on the
// parent and attached on every partition; it returns how many covering indexes it checked.
func checkCovered(t *testing.T, ctx context.Context, db *pgxpool.Pool) int {
	t.Helper()
	n := 0
	for _, tb := range allTables(t) {
		var exists bool
		if err := db.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, tb.Identifier().Sanitize()).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if !exists {
			continue
		}
		for _, c := range tb.CoveringIndexes() {
			name := pgx.Identifier{c.Name}.Sanitize()
			var valid *bool
			if err := db.QueryRow(ctx, `SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1))`, name).Scan(&valid); err != nil {
				t.Fatal(err)
			}
			if valid == nil || !*valid {
				t.Errorf("%s: the parent index is missing or invalid", c.Name)
			}
			rows, err := db.Query(ctx, schema.UncoveredQuery, tb.Identifier().Sanitize(), name)
			if err != nil {
				t.Fatal(err)
			}
			left, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if len(left) > 0 {
				t.Errorf("%s: partitions without it: %v", c.Name, left)
			}
			n++
		}
	}
	return n
}

// partitionCount returns the number of partitions of the transfer table.
func partitionCount(t *testing.T, ctx context.Context, db *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'evt_rahat_token_transfer'::regclass`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCoveringIndexes: once the backfill is done the indexer builds the covering indexes on every
// partition, partitions created later get them too, and a filtered page of transfers is answered
// by index-only scans.
func TestCoveringIndexes(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 4)
	ctx := testCtx(t, 3*time.Minute)
	steps(t, ctx, w, 120, 4)

	db := pgtestNew(t)
	ix := newIndexer(t, db, testNetwork(w.Chain, true), w.Sources("dev"), func(c *indexer.Config) {
		c.CoveringIndexes = true
		c.PartitionBlocks = 40
	})
	start(t, ix)
	waitHead(t, ix, w.Chain)
	if _, err := ix.WaitFor(ctx, func(s indexer.Status) bool { return s.CoveringReady }); err != nil {
		t.Fatalf("covering indexes never ready: %v", err)
	}
	if n := checkCovered(t, ctx, db); n < 2 {
		t.Fatalf("checked %d covering indexes; the token's Transfer alone has two", n)
	}
	before := partitionCount(t, ctx, db)

	// New partitions get them at creation; the data stays what the chain says.
	steps(t, ctx, w, 100, 4)
	waitHead(t, ix, w.Chain)
	if after := partitionCount(t, ctx, db); after <= before {
		t.Fatalf("%d partitions after 100 more blocks, %d before: the test needs new ones", after, before)
	}
	checkCovered(t, ctx, db)
	checkAgainstChain(t, ctx, db, w)

	// The columns the API reads are all in the index: with every scan that reads the table off,
	// the plan of a filtered page still needs none (Postgres would use a disabled one if it had to).
	var to []byte
	if err := db.QueryRow(ctx, `SELECT "to" FROM evt_rahat_token_transfer GROUP BY "to" ORDER BY count(*) DESC LIMIT 1`).Scan(&to); err != nil {
		t.Fatal(err)
	}
	plan := explain(t, ctx, db, `SELECT "from", "to", value::text, block_number, block_timestamp, tx_hash, contract, log_index
		FROM evt_rahat_token_transfer WHERE chain_id = $1 AND block_number <= $2 AND "to" = $3
		ORDER BY block_number DESC, log_index DESC LIMIT 100`, int64(devchain.ChainID), int64(1<<40), to)
	if !strings.Contains(plan, "Index Only Scan") || strings.Contains(plan, "Index Scan") || strings.Contains(plan, "Heap") {
		t.Fatalf("the filtered page does not read the covering index alone:\n%s", plan)
	}
}

// explain returns the plan of a statement with the scans that read the table turned off.
func explain(t *testing.T, ctx context.Context, db *pgxpool.Pool, sql string, args ...any) string {
	t.Helper()
	var lines []string
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+sql, args...)
		if err != nil {
			return err
		}
		lines, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestCoveringIndexesResume: a build interrupted on a partition (its index left invalid, as a
// cancelled CREATE INDEX CONCURRENTLY leaves it) is dropped and built again, and a second build
// finds nothing to do.
func TestCoveringIndexesResume(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, time.Minute)
	db := pgtestNew(t)
	var tr *schema.Table
	for _, tb := range allTables(t) {
		if tb.Name == "evt_rahat_token_transfer" {
			tr = tb
		}
	}
	if tr == nil {
		t.Fatal("no transfer table")
	}
	for _, s := range tr.CreateSQL() {
		if _, err := db.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for from := uint64(0); from < 3000; from += 1000 {
		if _, err := db.Exec(ctx, tr.PartitionSQL(from, from+1000)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `INSERT INTO evt_rahat_token_transfer (chain_id, contract, block_number, block_hash, block_timestamp, tx_hash, tx_index, log_index, "from", "to", value)
		SELECT 1, '\x01', b, '\x02', b, '\x03', 0, 0, '\xaa', '\xbb', b FROM generate_series(0, 2999) b`); err != nil {
		t.Fatal(err)
	}
	covs := tr.CoveringIndexes()
	c := covs[0]
	half := schema.PartitionName(tr.Name, 1000)
	if _, err := db.Exec(ctx, c.BuildSQL(half)); err != nil {
		t.Fatal(err)
	}
	// What a cancelled concurrent build leaves behind (the catalog flag it never set).
	if _, err := db.Exec(ctx, `UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass($1)`, pgx.Identifier{c.PartitionIndex(half)}.Sanitize()); err != nil {
		t.Fatal(err)
	}

	log := testLogger(t)
	n, err := indexer.BuildCoveringIndexes(ctx, db, []*schema.Table{tr}, log)
	if err != nil {
		t.Fatalf("BuildCoveringIndexes: %v", err)
	}
	if want := 3 * len(covs); n != want {
		t.Fatalf("built %d partition indexes, want %d", n, want)
	}
	checkCovered(t, ctx, db)
	if n, err := indexer.BuildCoveringIndexes(ctx, db, []*schema.Table{tr}, log); err != nil || n != 0 {
		t.Fatalf("second build: %d built, %v; want nothing to do", n, err)
	}
	// A partition created now gets them from the parent's indexes.
	if _, err := db.Exec(ctx, tr.PartitionSQL(3000, 4000)); err != nil {
		t.Fatal(err)
	}
	checkCovered(t, ctx, db)
}
