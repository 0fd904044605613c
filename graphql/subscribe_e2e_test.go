package graphql_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rahataid/rahat/graphql"
)

type transferRow struct {
	ID          string `json:"id"`
	To          string `json:"to"`
	Value       string `json:"value"`
	BlockNumber string `json:"blockNumber"`
}

const (
	// rowsDoc follows the transfers to one address, two rows a message.
	rowsDoc = `subscription R($to: Bytes) { transfers(where: {to: $to}, first: 2, mode: ROWS) { id to value blockNumber } }`
	// resultDoc is the newest three transfers, as a dashboard shows them.
	resultDoc = `subscription { latest: transfers(first: 3, orderBy: blockNumber, orderDirection: desc) { id value blockNumber } }`
	// resultQuery is resultDoc's query, to compare with.
	resultQuery = `query Q($n: Int) { latest: transfers(first: 3, orderBy: blockNumber, orderDirection: desc, block: {number: $n}) { id value blockNumber } }`
)

// rowsReader reads the rows of ROWS messages from one subscriber.
type rowsReader struct {
	name string
	read func(out any)
}

// take reads messages until it has n rows.
func (r rowsReader) take(t *testing.T, n int) []transferRow {
	t.Helper()
	var rows []transferRow
	for len(rows) < n {
		var m struct{ Transfers []transferRow }
		r.read(&m)
		if len(m.Transfers) == 0 || len(m.Transfers) > 2 {
			t.Fatalf("%s: a ROWS message with %d rows", r.name, len(m.Transfers))
		}
		rows = append(rows, m.Transfers...)
	}
	if len(rows) != n {
		t.Fatalf("%s: %d rows, want %d", r.name, len(rows), n)
	}
	return rows
}

// TestLiveQueries runs list subscriptions over both websocket protocols and SSE against the
// real indexer: each new matching transfer arrives exactly once and in order (also five in one
// block, more than first), non-matching blocks send nothing, and every RESULT message equals the
// query's result at its block.
func TestLiveQueries(t *testing.T) {
	t.Parallel()
	lw := newLiveWorld(t)
	ls := serveLive(t, lw.db, nil, nil)
	to := holder(1)
	vars := map[string]any{"to": strings.ToLower(to.Hex())}

	modern := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	legacy := dialWS(t, ls.wsURL, "graphql-ws", map[string]any{})
	modern.subscribe("rows", rowsDoc, vars)
	modern.subscribe("result", resultDoc, nil)
	legacy.subscribe("rows", rowsDoc, vars)
	// A derived entity, both ways: the holder's balance, and its changes.
	legacy.subscribe("balance", `subscription B($to: Bytes) { balances(where: {holder: $to}) { balance } }`, vars)
	legacy.subscribe("balanceRows", `subscription B($to: Bytes) { balances(where: {holder: $to}, mode: ROWS) { holder balance } }`, vars)
	sse := dialSSE(t, ls.url, rowsDoc, vars, nil)
	st := waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 6 })
	if st.Groups != 4 {
		t.Errorf("%d groups for four distinct subscriptions", st.Groups)
	}

	readers := []rowsReader{
		{"graphql-transport-ws", func(out any) { modern.data("rows", out) }},
		{"graphql-ws", func(out any) { legacy.data("rows", out) }},
		{"sse", sse.data},
	}
	// The first message is the current result: nothing was sent to the address yet.
	for _, r := range readers {
		var m struct{ Transfers []transferRow }
		r.read(&m)
		if len(m.Transfers) != 0 {
			t.Fatalf("%s: first result %+v", r.name, m.Transfers)
		}
	}
	var latest json.RawMessage
	modern.data("result", &latest)
	checkResult(t, ls, latest, int(lw.chain.Head().Latest.Number))

	blocks := []uint64{
		lw.mint(t, 10, to),
		lw.mint(t, 20, holder(2)), // no rows message
		lw.mint(t, 30, to, to, to, holder(3), to, to),
	}
	for _, b := range blocks {
		modern.data("result", &latest)
		checkResult(t, ls, latest, int(b))
	}
	var want []string
	for _, r := range readers {
		rows := r.take(t, 6)
		ids := make([]string, len(rows))
		for i, row := range rows {
			ids[i] = row.ID
			if row.To != vars["to"] {
				t.Errorf("%s: a row to %s", r.name, row.To)
			}
		}
		if want == nil {
			want = canonicalIDs(t, ls, vars["to"].(string))
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: rows %v, want %v (the canonical order, once each)", r.name, ids, want)
		}
	}
	// The next message of each is exactly the next transfer: nothing came in between.
	b := lw.mint(t, 40, to)
	for _, r := range readers {
		rows := r.take(t, 1)
		if rows[0].BlockNumber != fmt.Sprint(b) || rows[0].Value != "40" {
			t.Errorf("%s: after block %d: %+v", r.name, b, rows[0])
		}
	}
	modern.data("result", &latest)
	checkResult(t, ls, latest, int(b))

	// The balance changed with blocks 1, 3 and 4 only: one message each, both ways.
	for _, id := range []string{"balance", "balanceRows"} {
		var got []string
		for range 4 {
			var m struct {
				Balances []struct{ Holder, Balance string }
			}
			legacy.data(id, &m)
			if len(m.Balances) == 0 {
				got = append(got, "none")
				continue
			}
			if len(m.Balances) != 1 || id == "balanceRows" && m.Balances[0].Holder != vars["to"] {
				t.Fatalf("%s: %+v", id, m.Balances)
			}
			got = append(got, m.Balances[0].Balance)
		}
		if want := []string{"none", "10", "160", "200"}; !slices.Equal(got, want) {
			t.Errorf("%s: balances %v, want %v", id, got, want)
		}
	}
}

type idOnly struct {
	ID string `json:"id"`
}

// canonicalIDs is the ids of the transfers to an address, in the default order.
func canonicalIDs(t *testing.T, ls *liveServer, to string) []string {
	t.Helper()
	var out struct{ Transfers []idOnly }
	ls.c().data(t, fmt.Sprintf(`{ transfers(where: {to: %q}, first: 1000) { id } }`, to), nil, &out)
	ids := make([]string, len(out.Transfers))
	for i, r := range out.Transfers {
		ids[i] = r.ID
	}
	return ids
}

// checkResult compares a resultDoc message with resultQuery at block n.
func checkResult(t *testing.T, ls *liveServer, got json.RawMessage, n int) {
	t.Helper()
	var want json.RawMessage
	ls.c().data(t, resultQuery, map[string]any{"n": n}, &want)
	if !jsonEqual(got, want) {
		t.Errorf("block %d: subscription %s, query %s", n, got, want)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}

// c is an HTTP client of the server.
func (ls *liveServer) c() *client { return &client{url: ls.url} }
