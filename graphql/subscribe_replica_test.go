package graphql_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/live"
)

// TestLiveTwoServers runs two servers, each with its own hub, on one database, as two `rahat
// serve` replicas: their subscribers receive the same sequence of messages.
func TestLiveTwoServers(t *testing.T) {
	t.Parallel()
	lw := newLiveWorld(t)
	var clients []*wsClient
	for range 2 {
		ls := serveLive(t, lw.db, nil, nil)
		c := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
		c.subscribe("blocks", `subscription { newBlocks { number hash fromBlock tables } }`, nil)
		c.subscribe("result", resultDoc, nil)
		waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 2 })
		clients = append(clients, c)
	}
	for i := range 4 {
		lw.mint(t, int64(i+1), holder(i%2))
	}
	var seqs [2][]string
	for i, c := range clients {
		for range 5 { // the first result, then one per block
			var m json.RawMessage
			c.data("result", &m)
			seqs[i] = append(seqs[i], string(m))
		}
		for range 4 {
			var m json.RawMessage
			c.data("blocks", &m)
			seqs[i] = append(seqs[i], string(m))
		}
	}
	if !slices.Equal(seqs[0], seqs[1]) {
		t.Errorf("the replicas differ:\n%v\n%v", seqs[0], seqs[1])
	}
}

// TestLiveListenerLost kills the hub's listening backend, commits blocks while the hub cannot
// reconnect, then lets it: the blocks committed meanwhile arrive as one catch-up notice, and
// list subscribers miss nothing and repeat nothing.
func TestLiveListenerLost(t *testing.T) {
	t.Parallel()
	lw := newLiveWorld(t)
	var hold atomic.Bool
	gate := make(chan struct{})
	ls := serveLive(t, lw.db, nil, func(c *live.Config) {
		c.Dial = func(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
			if hold.Load() {
				select {
				case <-gate:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return pgx.ConnectConfig(ctx, cfg)
		}
	})
	to := holder(1)
	vars := map[string]any{"to": strings.ToLower(to.Hex())}
	c := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	c.subscribe("blocks", `subscription { newBlocks { number fromBlock tables catchUp } }`, nil)
	c.subscribe("rows", rowsDoc, vars)
	c.subscribe("result", resultDoc, nil)
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 3 })
	var latest json.RawMessage
	c.data("result", &latest)
	rows := rowsReader{"rows", func(out any) { c.data("rows", out) }}
	var first struct{ Transfers []transferRow }
	c.data("rows", &first)

	b1 := lw.mint(t, 1, to)
	var bm blockMsg
	c.data("blocks", &bm)
	c.data("result", &latest)
	rows.take(t, 1)

	hold.Store(true)
	ctx := testCtx(t, time.Minute)
	pid := ls.hub.Status().PID
	if _, err := lw.db.Exec(ctx, `SELECT pg_terminate_backend($1)`, int32(pid)); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.hub.WaitFor(ctx, func(s live.Status) bool { return !s.Listening }); err != nil {
		t.Fatal(err)
	}
	lw.mint(t, 2, to)
	lw.mint(t, 3, holder(2))
	b4 := lw.mint(t, 4, to, to)
	close(gate)
	if _, err := ls.hub.WaitFor(ctx, func(s live.Status) bool { return s.Listening && s.Sessions == 2 }); err != nil {
		t.Fatal(err)
	}

	c.data("blocks", &bm)
	b := bm.NewBlocks
	if !b.CatchUp || uint64(b.FromBlock) != b1+1 || uint64(b.Number) != b4 || b.Tables != nil {
		t.Errorf("catch-up notice %+v, want blocks %d-%d", b, b1+1, b4)
	}
	got := rows.take(t, 3)
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	want := canonicalIDs(t, ls, vars["to"].(string))
	if !slices.Equal(want[1:], ids) {
		t.Errorf("rows after the catch-up %v, want %v", ids, want[1:])
	}
	c.data("result", &latest)
	checkResult(t, ls, latest, int(b4))

	// Live again: the next block is an ordinary notice, and nothing was repeated before it.
	b5 := lw.mint(t, 5, to)
	c.data("blocks", &bm)
	if bm.NewBlocks.CatchUp || uint64(bm.NewBlocks.Number) != b5 || uint64(bm.NewBlocks.FromBlock) != b5 {
		t.Errorf("after the catch-up: %+v", bm.NewBlocks)
	}
	if r := rows.take(t, 1); r[0].Value != "5" {
		t.Errorf("the next row %+v", r[0])
	}
}
