package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/internal/chainlogs"
	"github.com/rahataid/rahat/workload"
)

// TestIndexedWorkload runs real GraphQL documents against an index of the workload's "small"
// programme (every event of every contract), made by the real indexer from a dev chain, and
// compares them with the chain: event counts with eth_getLogs, balances at past blocks with
// eth_call; then reorgs the chain, plays more, and checks again.
func TestIndexedWorkload(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "small", 1)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	head := w.chain.Head().Latest.Number

	t.Run("every event is there", func(t *testing.T) { w.checkEventCounts(t, cat) })
	t.Run("balances at past blocks", func(t *testing.T) {
		for _, n := range []uint64{w.dep.StartBlock + 2, (w.dep.StartBlock + head) / 2, head - 1, head} {
			w.checkBalances(t, n)
		}
	})
	t.Run("aggregates", func(t *testing.T) { w.checkAggregates(t) })
	t.Run("TheGraph query", func(t *testing.T) {
		var out struct {
			Transfers []struct{ BlockTimestamp, Value, From, To string }
		}
		w.c.data(t, `{ transfers(first: 5, orderBy: blockTimestamp, orderDirection: desc, where: {value_gt: "0"}) { blockTimestamp value from to } }`, nil, &out)
		if len(out.Transfers) != 5 || out.Transfers[0].BlockTimestamp < out.Transfers[4].BlockTimestamp {
			t.Errorf("got %+v", out.Transfers)
		}
	})

	// A reorg that drops the last blocks' transactions, then more activity on the new branch.
	ctx := testCtx(t, 3*time.Minute)
	before := w.meta(t)
	res, err := w.chain.Reorg(ctx, 4, 6, devchain.ReorgOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.waitHead(t)
	after := w.meta(t)
	if after.Hash != strings.ToLower(res.NewHead.Hash.Hex()) || after.Hash == before.Hash {
		t.Fatalf("_meta after the reorg: %+v (before %+v, new head %s)", after, before, res.NewHead.Hash)
	}
	w.c.fails(t, fmt.Sprintf(`{ transfers(block: {hash: %q}) { id } }`, res.OldHead.Hash.Hex()), nil, "is not known")
	t.Run("after the reorg", func(t *testing.T) {
		w.checkEventCounts(t, cat)
		w.checkBalances(t, res.Ancestor.Number)
		w.checkBalances(t, res.NewHead.Number)
	})
	w.play(t, 2)
	w.waitHead(t)
	t.Run("after more activity", func(t *testing.T) {
		w.checkEventCounts(t, cat)
		w.checkBalances(t, res.NewHead.Number)
		w.checkBalances(t, w.chain.Head().Latest.Number)
		w.checkAggregates(t)
	})
}

// play runs another small programme on the same deployment.
func (w *world) play(t *testing.T, seed int64) {
	t.Helper()
	ctx := testCtx(t, 3*time.Minute)
	cfg, _ := workload.Profile("small", seed)
	seal := func(ctx context.Context) error { _, err := w.chain.Mine(ctx, 1); return err }
	wl, err := workload.New(ctx, w.chain.Client(), w.dep, w.chain.Keys()[0], cfg, workload.Options{Seal: seal, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wl.Run(ctx); err != nil {
		t.Fatalf("workload: %v", err)
	}
}

type metaBlock struct {
	Number int
	Hash   string
}

func (w *world) meta(t *testing.T) metaBlock {
	t.Helper()
	var out struct {
		Meta struct{ Block metaBlock } `json:"_meta"`
	}
	w.c.data(t, `{ _meta { block { number hash } } }`, nil, &out)
	return out.Meta.Block
}

// checkEventCounts compares, for every event entity, the GraphQL count with the chain's logs.
func (w *world) checkEventCounts(t *testing.T, cat *catalog.Catalog) {
	t.Helper()
	ctx := testCtx(t, time.Minute)
	// Block by block, by hash: a range answer of go-ethereum's log index can miss a busy block it
	// has just indexed (see internal/chainlogs).
	logs, err := chainlogs.ByBlocks(ctx, w.chain.Client(), ethereum.FilterQuery{FromBlock: big.NewInt(0), ToBlock: new(big.Int).SetUint64(w.chain.Head().Latest.Number)})
	if err != nil {
		t.Fatal(err)
	}
	byTopic := map[common.Hash]int{}
	for _, l := range logs {
		byTopic[l.Topics[0]]++
	}
	var q strings.Builder
	q.WriteString("{")
	var ents []*catalog.Entity
	for _, e := range cat.Entities {
		if e.Kind == catalog.Event {
			ents = append(ents, e)
			fmt.Fprintf(&q, " %s: %sAggregate { count } %s_list: %s(first: 1000) { id }", e.Plural, e.Plural, e.Plural, e.Plural)
		}
	}
	q.WriteString(" }")
	var out map[string]json.RawMessage
	w.c.data(t, q.String(), nil, &out)
	seen := 0
	for _, e := range ents {
		var agg []struct{ Count string }
		var list []struct{ ID string }
		must(t, json.Unmarshal(out[e.Plural], &agg))
		must(t, json.Unmarshal(out[e.Plural+"_list"], &list))
		want := byTopic[topicOf(t, e)]
		if agg[0].Count != fmt.Sprint(want) || len(list) != want {
			t.Errorf("%s: count %s, list %d, chain %d", e.Name, agg[0].Count, len(list), want)
		}
		if want > 0 {
			seen++
		}
	}
	if seen < 15 {
		t.Errorf("only %d event types have events", seen)
	}
}

func topicOf(t *testing.T, e *catalog.Entity) common.Hash {
	t.Helper()
	a, err := contracts.ABI(e.Contract)
	if err != nil {
		t.Fatal(err)
	}
	return a.Events[e.Event].ID
}

// checkBalances compares every indexed balance at block n with balanceOf at n.
func (w *world) checkBalances(t *testing.T, n uint64) {
	t.Helper()
	var out struct {
		Balances []struct {
			Token   struct{ ID string }
			Holder  string
			Balance string
		}
	}
	w.c.data(t, fmt.Sprintf(`{ balances(first: 1000, block: {number: %d}) { token { id } holder balance } }`, n), nil, &out)
	if len(out.Balances) == 0 && n > w.dep.StartBlock+10 {
		t.Fatalf("no balances at block %d", n)
	}
	ctx := testCtx(t, time.Minute)
	for _, b := range out.Balances {
		tok, err := bindings.NewRahatToken(common.HexToAddress(b.Token.ID), w.chain.Client())
		if err != nil {
			t.Fatal(err)
		}
		got, err := tok.BalanceOf(&bind.CallOpts{Context: ctx, BlockNumber: new(big.Int).SetUint64(n)}, common.HexToAddress(b.Holder))
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != b.Balance {
			t.Errorf("block %d: balance of %s in %s: GraphQL %s, chain %s", n, b.Holder, b.Token.ID, b.Balance, got)
		}
	}
}

// checkAggregates compares server-side sums with sums of the rows.
func (w *world) checkAggregates(t *testing.T) {
	t.Helper()
	var out struct {
		ByProject []struct {
			ContractAddress string
			Count           string
			Sum             struct{ Amount string }
		}
		Rows []struct {
			ContractAddress string
			Amount          string
		}
		ByToken []struct {
			Token string
			Sum   struct{ Balance string }
		}
		Tokens []struct {
			ID          string
			TotalSupply string
		}
		ByDay []struct{ Timestamp, Count string }
		Total []struct{ Count string }
	}
	w.c.data(t, `{
	  byProject: tokensAllocatedsAggregate(groupBy: [contractAddress]) { contractAddress count sum { amount } }
	  rows: tokensAllocateds(first: 1000) { contractAddress amount }
	  byToken: balancesAggregate(groupBy: [token]) { token sum { balance } }
	  tokens(first: 1000) { id totalSupply }
	  byDay: transfersAggregate(interval: day) { timestamp count }
	  total: transfersAggregate { count }
	}`, nil, &out)
	sums, counts := map[string]*big.Int{}, map[string]int{}
	for _, r := range out.Rows {
		if sums[r.ContractAddress] == nil {
			sums[r.ContractAddress] = new(big.Int)
		}
		v, _ := new(big.Int).SetString(r.Amount, 10)
		sums[r.ContractAddress].Add(sums[r.ContractAddress], v)
		counts[r.ContractAddress]++
	}
	if len(out.ByProject) != len(sums) {
		t.Errorf("%d project groups, %d projects in rows", len(out.ByProject), len(sums))
	}
	for _, g := range out.ByProject {
		if g.Sum.Amount != sums[g.ContractAddress].String() || g.Count != fmt.Sprint(counts[g.ContractAddress]) {
			t.Errorf("project %s: %+v, rows say %s in %d", g.ContractAddress, g, sums[g.ContractAddress], counts[g.ContractAddress])
		}
	}
	supply := map[string]string{}
	for _, tk := range out.Tokens {
		supply[tk.ID] = tk.TotalSupply
	}
	for _, g := range out.ByToken {
		if g.Sum.Balance != supply[g.Token] {
			t.Errorf("token %s: balances sum to %s, total supply %s", g.Token, g.Sum.Balance, supply[g.Token])
		}
	}
	days := 0
	for _, d := range out.ByDay {
		var n int
		fmt.Sscan(d.Count, &n)
		days += n
	}
	if fmt.Sprint(days) != out.Total[0].Count {
		t.Errorf("days sum to %d, total %s", days, out.Total[0].Count)
	}
}
