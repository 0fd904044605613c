package graphql_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/schema"
	"github.com/rahataid/rahat/internal/pgtest"
)

// fakeCommits writes Transfer rows, the checkpoint and the notification as the indexer commits a
// block, without a chain: for the transport tests, which need many blocks fast and no reorgs.
type fakeCommits struct {
	db       *pgxpool.Pool
	transfer *schema.Table
	block    int64
}

func newFakeCommits(t testing.TB) *fakeCommits {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tables, err := fixture.Tables(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCommits{db: db, transfer: tables["Transfer"], block: 100}
	must(t, fixture.Block(ctx, db, f.block, ts(f.block)))
	must(t, fixture.Checkpoint(ctx, db, f.block, ts(f.block)))
	return f
}

// commit writes n transfers in a new block and announces it.
func (f *fakeCommits) commit(t testing.TB, n int) int64 {
	t.Helper()
	ctx := context.Background()
	f.block++
	var evs []fixture.Event
	for i := range n {
		h := make([]byte, 32)
		binary.BigEndian.PutUint64(h[16:], uint64(f.block))
		binary.BigEndian.PutUint32(h[28:], uint32(i))
		evs = append(evs, fixture.Event{Block: f.block, Timestamp: ts(f.block), TxHash: h, LogIndex: int32(i),
			Contract: fixture.Addr(8), Params: map[string]any{"from": fixture.Addr(1), "to": fixture.Addr(byte(2 + i%3)), "value": fixture.Num(int64(i + 1))}})
	}
	if n > 0 {
		must(t, fixture.Insert(ctx, f.db, f.transfer, evs...))
	}
	must(t, fixture.Block(ctx, f.db, f.block, ts(f.block)))
	must(t, fixture.Checkpoint(ctx, f.db, f.block, ts(f.block)))
	var tables []string
	if n > 0 {
		tables = []string{f.transfer.Name}
	}
	notify(t, f.db, indexer.Notification{ChainID: fixture.ChainID, From: uint64(f.block), To: uint64(f.block),
		Hash: common.BytesToHash(fixture.BlockHash(f.block)), Timestamp: uint64(ts(f.block)), Tables: tables})
	return f.block
}
