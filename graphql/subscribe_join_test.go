package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/live"
)

// TestLiveJoinBeforeBaseline joins identical subscriptions over every transport before the
// server's dispatcher has taken the hub's baseline (here the hub is held before it connects; in
// the flake this test pins down, the dispatcher had simply not yet taken the baseline the hub had
// already given it). Each must get its current result once the baseline is taken, not only at the
// next block. Then more subscribers join while blocks are committed: each gets a first result at
// some block and then every later change, in order, up to the last block.
func TestLiveJoinBeforeBaseline(t *testing.T) {
	t.Parallel()
	f := newFakeCommits(t)
	f.commit(t, 3) // nobody listens yet: the baseline is what announces this block
	release := make(chan struct{})
	ls := startLive(t, f.db, nil, func(c *live.Config) {
		c.Dial = func(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return pgx.ConnectConfig(ctx, cfg)
		}
	})

	const perTransport = 3
	var early []func(out any)
	for range perTransport {
		early = append(early, joinResult(t, ls, "graphql-transport-ws"), joinResult(t, ls, "graphql-ws"), joinResult(t, ls, "sse"))
	}
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == len(early) && s.Groups == 1 })
	close(release)
	for i, read := range early {
		var got json.RawMessage
		read(&got)
		if want := resultAt(t, ls, f.block); !jsonEqual(got, want) {
			t.Errorf("early subscriber %d: first result %s, want the result at block %d, %s", i, got, f.block, want)
		}
	}

	// Joins racing commits: the dispatcher takes blocks while the joins read.
	first := f.block
	protocols := []string{"graphql-transport-ws", "graphql-ws", "sse"}
	var late []func(out any)
	for i := range 9 {
		late = append(late, joinResult(t, ls, protocols[i%len(protocols)]))
		f.commit(t, 1)
	}
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == len(early)+len(late) })
	byResult := map[string]int64{} // every block's result is distinct: each block adds a transfer
	for b := first; b <= f.block; b++ {
		byResult[canonical(t, resultAt(t, ls, b))] = b
	}
	for i, read := range append(early, late...) {
		prev := int64(0)
		for prev != f.block {
			var got json.RawMessage
			read(&got)
			b, ok := byResult[canonical(t, got)]
			if !ok || b <= prev {
				t.Fatalf("subscriber %d: after the result at block %d, %s (block %d, known: %v)", i, prev, got, b, ok)
			}
			prev = b
		}
	}
}

// joinResult subscribes to resultDoc over a new connection of the protocol ("sse" or a websocket
// subprotocol) and returns the reader of its results.
func joinResult(t *testing.T, ls *liveServer, proto string) func(out any) {
	t.Helper()
	if proto == "sse" {
		return dialSSE(t, ls.url, resultDoc, nil, nil).data
	}
	c := dialWS(t, ls.wsURL, proto, map[string]any{})
	c.subscribe("1", resultDoc, nil)
	return func(out any) { c.data("1", out) }
}

// resultAt is resultQuery's data at block n.
func resultAt(t *testing.T, ls *liveServer, n int64) json.RawMessage {
	t.Helper()
	var want json.RawMessage
	ls.c().data(t, resultQuery, map[string]any{"n": n}, &want)
	return want
}

// canonical is a JSON value in a form that compares equal when the values do.
func canonical(t *testing.T, b json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return fmt.Sprint(v)
}
