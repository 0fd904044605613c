package indexer_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/internal/scenario"
	"github.com/rahataid/rahat/indexer/schema"
	"github.com/rahataid/rahat/internal/chainlogs"
)

// checkAgainstChain compares the index with what the chain itself says: the number of logs of
// every event of every contract (instances enumerated through the contracts' own getters), and
// every token's totalSupply (eth_call) against the Transfer rows.
func checkAgainstChain(t *testing.T, ctx context.Context, db *pgxpool.Pool, w *scenario.World) {
	t.Helper()
	opts := &bind.CallOpts{Context: ctx}
	treasury, err := bindings.NewRahatTreasury(w.Treasury, w.Client)
	if err != nil {
		t.Fatal(err)
	}
	factory, err := bindings.NewRahatProjectFactory(w.Factory, w.Client)
	if err != nil {
		t.Fatal(err)
	}
	byContract := map[string][]common.Address{"RahatTreasury": {w.Treasury}, "RahatProjectFactory": {w.Factory}}
	nt, err := treasury.TokenCount(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range nt.Int64() {
		a, err := treasury.Tokens(opts, big.NewInt(i))
		if err != nil {
			t.Fatal(err)
		}
		byContract["RahatToken"] = append(byContract["RahatToken"], a)
	}
	np, err := factory.ProjectCount(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range np.Int64() {
		a, err := factory.Projects(opts, big.NewInt(i))
		if err != nil {
			t.Fatal(err)
		}
		byContract["RahatProject"] = append(byContract["RahatProject"], a)
	}
	if len(byContract["RahatToken"]) == 0 || len(byContract["RahatProject"]) == 0 {
		t.Fatalf("scenario created no factory instances: %v", byContract)
	}
	head := w.Chain.Head().Latest.Number
	total := 0
	for contract, addrs := range byContract {
		a, err := contracts.ABI(contract)
		if err != nil {
			t.Fatal(err)
		}
		tables, err := schema.ForContract(contract, &a)
		if err != nil {
			t.Fatal(err)
		}
		// Block by block, by hash: a range answer can miss a block the node has just indexed
		// (doc.go, "Completeness"), and this is the oracle.
		logs, err := chainlogs.ByBlocks(ctx, w.Client, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(w.DeployBlock),
			ToBlock: new(big.Int).SetUint64(head), Addresses: addrs})
		if err != nil {
			t.Fatal(err)
		}
		want := map[common.Hash]int{}
		for _, l := range logs {
			want[l.Topics[0]]++
		}
		for _, tb := range tables {
			var got int
			q := fmt.Sprintf("SELECT count(*) FROM %s WHERE contract = ANY($1)", pgx.Identifier{tb.Name}.Sanitize())
			var raw [][]byte
			for _, ad := range addrs {
				raw = append(raw, ad.Bytes())
			}
			if err := db.QueryRow(ctx, q, raw).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want[tb.Topic0] {
				t.Errorf("%s: %d rows, the chain has %d logs", tb.Name, got, want[tb.Topic0])
			}
			total += got
		}
	}
	for _, tok := range byContract["RahatToken"] {
		tk, err := bindings.NewRahatToken(tok, w.Client)
		if err != nil {
			t.Fatal(err)
		}
		supply, err := tk.TotalSupply(opts)
		if err != nil {
			t.Fatal(err)
		}
		var minted, burned string
		if err := db.QueryRow(ctx, `SELECT coalesce(sum(value) FILTER (WHERE "from" = $2), 0)::text,
			coalesce(sum(value) FILTER (WHERE "to" = $2), 0)::text
			FROM evt_rahat_token_transfer WHERE contract = $1`, tok.Bytes(), common.Address{}.Bytes()).Scan(&minted, &burned); err != nil {
			t.Fatal(err)
		}
		m, _ := new(big.Int).SetString(minted, 10)
		b, _ := new(big.Int).SetString(burned, 10)
		if got := new(big.Int).Sub(m, b); got.Cmp(supply) != 0 {
			t.Errorf("token %s: supply from Transfer rows %s, totalSupply() %s", tok, got, supply)
		}
	}
	if total == 0 {
		t.Fatal("no rows indexed")
	}
	t.Logf("index matches the chain: %d rows, %d tokens, %d projects, head %d", total,
		len(byContract["RahatToken"]), len(byContract["RahatProject"]), head)
}

// TestBackfillLiveRestart indexes a chain with events from all four sources, factory instances
// created inside backfill ranges, then follows it live, then resumes after a restart.
func TestBackfillLiveRestart(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 1)
	ctx := testCtx(t, 3*time.Minute)
	steps(t, ctx, w, 120, 4)

	db := pgtestNew(t)
	var commits []indexer.Commit
	ix := newIndexer(t, db, testNetwork(w.Chain, true), w.Sources("dev"), func(c *indexer.Config) {
		c.OnCommit = func(cm indexer.Commit) { commits = append(commits, cm) }
	})
	stop := start(t, ix)
	waitHead(t, ix, w.Chain)
	checkAgainstChain(t, ctx, db, w)

	// Live: blocks arrive one by one.
	for range 10 {
		steps(t, ctx, w, 1, 3)
		waitHead(t, ix, w.Chain)
	}
	checkAgainstChain(t, ctx, db, w)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// The commits announced contiguous block ranges, each with its head's parent: the previous
	// commit's head when the commit is one block.
	linked := 0
	for i := 1; i < len(commits); i++ {
		if commits[i].From != commits[i-1].To+1 {
			t.Fatalf("commit %d covers %d-%d after %d-%d", i, commits[i].From, commits[i].To, commits[i-1].From, commits[i-1].To)
		}
		if commits[i].From == commits[i].To {
			if commits[i].ParentHash != commits[i-1].Hash {
				t.Fatalf("commit %d (block %d): parent %s, the previous commit's head is %s", i, commits[i].To, commits[i].ParentHash, commits[i-1].Hash)
			}
			linked++
		}
	}
	if linked == 0 {
		t.Fatal("no commit of a single block to check its parent hash against")
	}

	// Restart on the same database after more blocks: resumes exactly.
	steps(t, ctx, w, 30, 4)
	ix2 := newIndexer(t, db, testNetwork(w.Chain, false), w.Sources("dev"), nil)
	start(t, ix2)
	waitHead(t, ix2, w.Chain)
	checkAgainstChain(t, ctx, db, w)
	assertFresh(t, db, w)
}
