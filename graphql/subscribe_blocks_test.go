package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
)

// notify announces a commit as the indexer does (the hub cannot tell the difference).
func notify(t testing.TB, db *pgxpool.Pool, n indexer.Notification) {
	t.Helper()
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(context.Background(), `SELECT pg_notify($1, $2)`, indexer.NotifyChannel, string(b)); err != nil {
		t.Fatal(err)
	}
}

type blockMsg struct {
	NewBlocks struct {
		ChainID   int      `json:"chainId"`
		Number    int      `json:"number"`
		Hash      string   `json:"hash"`
		FromBlock int      `json:"fromBlock"`
		Tables    []string `json:"tables"`
		CatchUp   bool     `json:"catchUp"`
		Reorg     *struct {
			Ancestor int `json:"ancestor"`
		} `json:"reorg"`
	} `json:"newBlocks"`
}

// TestNewBlocksBothProtocols delivers notified commits to newBlocks subscribers of both
// websocket protocols, in order, once each, and filters by chain.
func TestNewBlocksBothProtocols(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ls := serveLive(t, db, nil, nil)
	const doc = `subscription B($chain: Int) { newBlocks(chainId: $chain) { chainId number hash fromBlock tables catchUp reorg { ancestor } } }`
	modern := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	legacy := dialWS(t, ls.wsURL, "graphql-ws", map[string]any{})
	other := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	modern.subscribe("a", doc, nil)
	legacy.subscribe("b", doc, map[string]any{"chain": 7})
	other.subscribe("c", doc, map[string]any{"chain": 8})
	// The subscriptions are registered once the server counts them.
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 3 })

	for i := 1; i <= 5; i++ {
		notify(t, db, indexer.Notification{ChainID: 7, From: uint64(10 * i), To: uint64(10*i + 9), Hash: common.Hash{byte(i)}, Timestamp: 1000, Tables: []string{"evt_a"}})
	}
	for _, c := range []*wsClient{modern, legacy} {
		id := map[*wsClient]string{modern: "a", legacy: "b"}[c]
		for i := 1; i <= 5; i++ {
			var m blockMsg
			c.data(id, &m)
			b := m.NewBlocks
			if b.Number != 10*i+9 || b.FromBlock != 10*i || b.ChainID != 7 || b.CatchUp || len(b.Tables) != 1 || b.Hash != fmt.Sprintf("0x%02x%062x", i, 0) {
				t.Fatalf("%s: message %d: %+v", c.proto, i, b)
			}
		}
	}
	notify(t, db, indexer.Notification{ChainID: 8, From: 1, To: 1, Hash: common.Hash{9}})
	var m blockMsg
	other.data("c", &m)
	if m.NewBlocks.ChainID != 8 || m.NewBlocks.Number != 1 {
		t.Fatalf("chain 8: %+v", m.NewBlocks)
	}
}

// waitStats waits until the server's live counts satisfy cond.
func waitStats(t testing.TB, ls *liveServer, cond func(graphql.LiveStats) bool) graphql.LiveStats {
	t.Helper()
	st, err := ls.srv.WaitLive(testCtx(t, 30*time.Second), cond)
	if err != nil {
		t.Fatalf("live stats never satisfied the condition: %+v", st)
	}
	return st
}
