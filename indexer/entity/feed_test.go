package entity_test

import (
	"context"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/indexer/entity/entitytest"
	"github.com/rahataid/rahat/indexer/schema"
	"github.com/rahataid/rahat/internal/chainlogs"
)

// decoder turns logs into indexer.Events exactly as the indexer does (indexer/collect.go:
// schema.Table.Decode, then Args keyed by Column.Key with Column.ArgValue), so that these tests
// need neither the indexer's fetch loop nor its event tables.
type decoder struct {
	tables map[string]map[common.Hash]*schema.Table // contract name -> topic0 -> table
}

func newDecoder(t testing.TB) *decoder {
	t.Helper()
	d := &decoder{tables: map[string]map[common.Hash]*schema.Table{}}
	for _, name := range []string{"RahatTreasury", "RahatProjectFactory", "RahatToken", "RahatProject"} {
		a, err := contracts.ABI(name)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := schema.ForContract(name, &a)
		if err != nil {
			t.Fatal(err)
		}
		d.tables[name] = map[common.Hash]*schema.Table{}
		for _, tb := range ts {
			d.tables[name][tb.Topic0] = tb
		}
	}
	return d
}

// contracts returns the world's contracts on the canonical chain now, by address.
func (w *world) contracts() map[common.Address]string {
	m := map[common.Address]string{w.treasury: "RahatTreasury", w.factory: "RahatProjectFactory"}
	for _, t := range w.tokens {
		m[t] = "RahatToken"
	}
	for _, p := range w.projects {
		m[p.addr] = "RahatProject"
	}
	return m
}

// events fetches and decodes the logs of the world's contracts in blocks [from, to].
func (d *decoder) events(t testing.TB, ctx context.Context, w *world, from, to uint64) []indexer.Event {
	t.Helper()
	byAddr := w.contracts()
	addrs := make([]common.Address, 0, len(byAddr))
	for a := range byAddr {
		addrs = append(addrs, a)
	}
	// Block by block, by hash: a range answer of go-ethereum's log index can miss a block it has
	// just indexed (see the indexer's doc.go, "Completeness").
	logs, err := chainlogs.ByBlocks(ctx, w.client, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from),
		ToBlock: new(big.Int).SetUint64(to), Addresses: addrs})
	if err != nil {
		t.Fatalf("reading logs %d-%d: %v", from, to, err)
	}
	out := make([]indexer.Event, 0, len(logs))
	for i := range logs {
		l := &logs[i]
		contract := byAddr[l.Address]
		tb := d.tables[contract][l.Topics[0]]
		if tb == nil {
			t.Fatalf("log of %s with unknown topic %s", contract, l.Topics[0])
		}
		vals, err := tb.Decode(l)
		if err != nil {
			t.Fatal(err)
		}
		args := map[string]any{}
		for _, c := range tb.Params() {
			args[c.Key] = c.ArgValue(vals[c.Name])
		}
		out = append(out, indexer.Event{ChainID: 1337, Source: contract, Contract: contract, Name: tb.Event,
			Address: l.Address, BlockNumber: l.BlockNumber, BlockHash: l.BlockHash, BlockTime: l.BlockTimestamp,
			TxHash: l.TxHash, TxIndex: l.TxIndex, LogIndex: l.Index, Args: args})
	}
	slices.SortFunc(out, func(a, b indexer.Event) int {
		if a.BlockNumber != b.BlockNumber {
			return int(a.BlockNumber) - int(b.BlockNumber)
		}
		return int(a.LogIndex) - int(b.LogIndex)
	})
	return out
}

// newHandler returns a handler reading the world's chain over JSON-RPC.
func newHandler(t testing.TB, w *world) *entity.Handler {
	t.Helper()
	rpc, err := entity.NewRPC(w.client)
	if err != nil {
		t.Fatal(err)
	}
	return newHandlerWith(t, rpc)
}

func newHandlerWith(t testing.TB, c entity.Chain) *entity.Handler {
	t.Helper()
	h, err := entity.New(entity.Config{Chain: c, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// handle applies events in one transaction, as the indexer does with one batch.
func handle(t testing.TB, ctx context.Context, db *pgxpool.Pool, h *entity.Handler, events []indexer.Event) {
	t.Helper()
	if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return h.HandleEvents(ctx, tx, events) }); err != nil {
		t.Fatalf("handling %d events: %v", len(events), err)
	}
}

func rollback(t testing.TB, ctx context.Context, db *pgxpool.Pool, h *entity.Handler, ancestor uint64) {
	t.Helper()
	if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return h.Rollback(ctx, tx, 1337, ancestor) }); err != nil {
		t.Fatalf("rolling back to %d: %v", ancestor, err)
	}
}

// byBlocks splits block-ordered events into batches of whole blocks, each covering up to
// a random number (1..maxBlocks) of blocks, as backfill and live indexing hand them over.
func byBlocks(events []indexer.Event, maxBlocks int, next func(int) int) [][]indexer.Event {
	var out [][]indexer.Event
	for len(events) > 0 {
		last := events[0].BlockNumber + uint64(next(maxBlocks))
		n := 0
		for n < len(events) && events[n].BlockNumber < last {
			n++
		}
		out = append(out, events[:n])
		events = events[n:]
	}
	return out
}

// index fetches the world's events of blocks [from, to] and applies them in random batches.
func index(t testing.TB, ctx context.Context, db *pgxpool.Pool, h *entity.Handler, d *decoder, w *world, from, to uint64, maxBlocks int) {
	t.Helper()
	for _, b := range byBlocks(d.events(t, ctx, w, from, to), maxBlocks, func(n int) int { return 1 + w.rng.IntN(n) }) {
		handle(t, ctx, db, h, b)
	}
}

// assertChecks runs the checker at block n and fails on any mismatch.
func assertChecks(t testing.TB, ctx context.Context, db *pgxpool.Pool, w *world, n uint64) {
	t.Helper()
	entitytest.RequireMatch(t, ctx, db, w.client, 1337, n)
}
