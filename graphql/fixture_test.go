package graphql_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/internal/pgtest"
)

// transfer is one Transfer row of the hand-made fixture, as the tests predict results from it.
type transfer struct {
	id, from, to, contract []byte
	value                  int64
	block, ts              int64
	logIndex               int32
}

// names of ProjectCreated rows, for the string operators.
var projectNames = []string{"Siraha Cash", "siraha food", "Saptari Cash", "Bardiya", "Kailali cash 2", "Ünïcode"}

// eventFixture holds Transfers with ties on block, value and addresses; ProjectCreated with
// names; ClaimerUpdated with booleans. Blocks 100..106 are indexed; each block's time is
// 1000 + 12 × number.
type eventFixture struct {
	db        *pgxpool.Pool
	transfers []transfer
	c         *client
}

func ts(block int64) int64 { return 1000 + 12*block }

func newEventFixture(t *testing.T) *eventFixture {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tables, err := fixture.Tables(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := &eventFixture{db: db}
	var evs []fixture.Event
	for i := range 12 {
		block := int64(100 + i/2)
		tr := transfer{
			from: fixture.Addr(byte(i % 3)), to: fixture.Addr(byte(10 + i%4)), contract: fixture.Addr(byte(8 + i%2)),
			value: int64(10 * (i % 5)), block: block, ts: ts(block), logIndex: int32(i * 37 % 300),
		}
		tx := fixture.Hash(byte(200 - i))
		tr.id = append(append([]byte{}, tx...), model.LE32(int(tr.logIndex))...)
		f.transfers = append(f.transfers, tr)
		evs = append(evs, fixture.Event{Block: block, Timestamp: tr.ts, TxHash: tx, LogIndex: tr.logIndex, Contract: tr.contract,
			Params: map[string]any{"from": tr.from, "to": tr.to, "value": fixture.Num(tr.value)}})
	}
	must(t, fixture.Insert(ctx, db, tables["Transfer"], evs...))
	evs = nil
	for i, name := range projectNames {
		evs = append(evs, fixture.Event{Block: 100 + int64(i), Timestamp: ts(100 + int64(i)), TxHash: fixture.Hash(byte(i)), LogIndex: 1, Contract: fixture.Addr(7),
			Params: map[string]any{"project_address": fixture.Addr(byte(50 + i)), "token_address": fixture.Addr(byte(60 + i%2)), "name": name}})
	}
	must(t, fixture.Insert(ctx, db, tables["ProjectCreated"], evs...))
	evs = nil
	for i := range 5 {
		evs = append(evs, fixture.Event{Block: 101, Timestamp: ts(101), TxHash: fixture.Hash(byte(100 + i)), LogIndex: int32(i), Contract: fixture.Addr(7),
			Params: map[string]any{"claimer": fixture.Addr(byte(30 + i)), "approved": i%2 == 0}})
	}
	must(t, fixture.Insert(ctx, db, tables["ClaimerUpdated"], evs...))
	for b := int64(100); b <= 106; b++ {
		must(t, fixture.Block(ctx, db, b, ts(b)))
	}
	must(t, fixture.Checkpoint(ctx, db, 106, ts(106)))
	f.c = serve(t, db, nil)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func hexOf(b []byte) string { return "0x" + hex.EncodeToString(b) }

// ids lists the ids of the transfers that satisfy keep, in fixture order.
func (f *eventFixture) ids(keep func(transfer) bool) []string {
	var out []string
	for _, tr := range f.transfers {
		if keep(tr) {
			out = append(out, hexOf(tr.id))
		}
	}
	return out
}

// chronological sorts by (block, log index), the default order.
func chronological(a, b transfer) int {
	if a.block != b.block {
		return int(a.block - b.block)
	}
	return int(a.logIndex - b.logIndex)
}

// sortedIDs sorts transfers by cmp (then the default order as the tiebreak), reversed for desc.
func (f *eventFixture) sortedIDs(cmp func(a, b transfer) int, desc bool) []string {
	trs := slices.Clone(f.transfers)
	slices.SortStableFunc(trs, func(a, b transfer) int {
		c := cmp(a, b)
		if c == 0 {
			c = chronological(a, b)
		}
		if desc {
			return -c
		}
		return c
	})
	out := make([]string, len(trs))
	for i, tr := range trs {
		out[i] = hexOf(tr.id)
	}
	return out
}

// listIDs runs a list query returning ids and returns them.
func listIDs(t *testing.T, c *client, field, args string, vars map[string]any) []string {
	t.Helper()
	var out map[string][]struct {
		ID string `json:"id"`
	}
	decl := ""
	if _, ok := vars["where"]; ok {
		decl = fmt.Sprintf("($where: %s_filter)", typeOf(field))
	}
	if args != "" {
		args = "(" + args + ")"
	}
	q := fmt.Sprintf("query Q%s { items: %s%s { id } }", decl, field, args)
	c.data(t, q, vars, &out)
	ids := []string{}
	for _, r := range out["items"] {
		ids = append(ids, r.ID)
	}
	return ids
}

// typeOf maps the plural fields the tests use to their types.
func typeOf(field string) string {
	return map[string]string{"transfers": "Transfer", "projectCreateds": "ProjectCreated", "claimerUpdateds": "ClaimerUpdated"}[field]
}
