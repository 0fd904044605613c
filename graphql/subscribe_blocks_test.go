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

// TestNewBlocksParentHash: a block's parent hash comes with the indexer's notification; from an
// indexer that does not send it, it is read from the index (none here: null).
func TestNewBlocksParentHash(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ls := serveLive(t, db, nil, nil)
	c := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	c.subscribe("a", `subscription { newBlocks { number parentHash } }`, nil)
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 1 })

	notify(t, db, indexer.Notification{ChainID: 7, From: 10, To: 10, Hash: common.Hash{1}, ParentHash: common.Hash{0xaa}})
	notify(t, db, indexer.Notification{ChainID: 7, From: 11, To: 11, Hash: common.Hash{2}})
	for _, want := range []*string{ptr(fmt.Sprintf("0xaa%062x", 0)), nil} {
		var m struct {
			NewBlocks struct {
				Number     int     `json:"number"`
				ParentHash *string `json:"parentHash"`
			} `json:"newBlocks"`
		}
		c.data("a", &m)
		got := m.NewBlocks.ParentHash
		if (got == nil) != (want == nil) || got != nil && *got != *want {
			t.Fatalf("block %d: parentHash %v, want %v", m.NewBlocks.Number, deref(got), deref(want))
		}
	}
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
