package graphql_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/graphql"
)

type reorgMsg struct {
	Reorgs struct {
		Ancestor      int    `json:"ancestor"`
		Depth         int    `json:"depth"`
		RemovedBlocks int    `json:"removedBlocks"`
		OldHead       int    `json:"oldHead"`
		OldHash       string `json:"oldHash"`
		NewHead       int    `json:"newHead"`
		NewHash       string `json:"newHash"`
	} `json:"reorgs"`
}

// TestLiveReorg reorganises the chain under subscribers: the reorgs subscription reports the
// ancestor and depth before any result of the new branch, RESULT answers what the query answers
// on the new branch, and ROWS sends the rows above the ancestor again from the new branch.
func TestLiveReorg(t *testing.T) {
	t.Parallel()
	lw := newLiveWorld(t)
	ls := serveLive(t, lw.db, nil, nil)
	to := holder(1)
	vars := map[string]any{"to": strings.ToLower(to.Hex())}
	c := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	c.subscribe("reorgs", `subscription { reorgs { ancestor depth removedBlocks oldHead oldHash newHead newHash } }`, nil)
	c.subscribe("rows", rowsDoc, vars)
	c.subscribe("result", resultDoc, nil)
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 3 })
	var latest json.RawMessage
	c.data("result", &latest)
	rows := rowsReader{"rows", func(out any) { c.data("rows", out) }}
	var first struct{ Transfers []transferRow }
	c.data("rows", &first)

	var blocks []uint64
	for i := range 3 {
		blocks = append(blocks, lw.mint(t, int64(100+i), to))
		c.data("result", &latest)
		checkResult(t, ls, latest, int(blocks[i]))
	}
	if got := rows.take(t, 3); got[2].Value != "102" {
		t.Fatalf("rows before the reorg: %+v", got)
	}

	// The last two blocks are replaced by three empty ones: their transfers are gone.
	ctx := testCtx(t, 3*time.Minute)
	res, err := lw.chain.Reorg(ctx, 2, 3, devchain.ReorgOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lw.waitHead(t)
	var rm reorgMsg
	reorgSeq := c.dataSeq("reorgs", &rm)
	r := rm.Reorgs
	if uint64(r.Ancestor) != res.Ancestor.Number || r.Depth != 2 || r.RemovedBlocks != 2 || uint64(r.OldHead) != res.OldHead.Number ||
		r.OldHash != strings.ToLower(res.OldHead.Hash.Hex()) || uint64(r.NewHead) != res.NewHead.Number || r.NewHash != strings.ToLower(res.NewHead.Hash.Hex()) {
		t.Fatalf("reorg message %+v, chain %+v", r, res)
	}
	resultSeq := c.dataSeq("result", &latest)
	checkResult(t, ls, latest, int(res.NewHead.Number))
	if resultSeq < reorgSeq {
		t.Errorf("the new branch's result (message %d) came before the reorg (message %d)", resultSeq, reorgSeq)
	}
	var after struct{ Latest []transferRow }
	if err := json.Unmarshal(latest, &after); err != nil || len(after.Latest) != 1 || after.Latest[0].Value != "100" {
		t.Errorf("after the reorg: %s", latest)
	}

	// A reorg that puts the replaced block's transfer back: ROWS sends it again, after the reorg.
	b := lw.mint(t, 200, to)
	if got := rows.take(t, 1); got[0].Value != "200" || got[0].BlockNumber != itoa(b) {
		t.Fatalf("rows after the reorg: %+v", got)
	}
	c.data("result", &latest)
	checkResult(t, ls, latest, int(b))
	res, err = lw.chain.Reorg(ctx, 1, 2, devchain.ReorgOptions{Reinclude: true})
	if err != nil {
		t.Fatal(err)
	}
	lw.waitHead(t)
	reorgSeq = c.dataSeq("reorgs", &rm)
	if uint64(rm.Reorgs.Ancestor) != res.Ancestor.Number || rm.Reorgs.Depth != 1 {
		t.Fatalf("second reorg message %+v, chain %+v", rm.Reorgs, res)
	}
	var again struct{ Transfers []transferRow }
	rowSeq := c.dataSeq("rows", &again)
	if len(again.Transfers) != 1 || again.Transfers[0].Value != "200" || rowSeq < reorgSeq {
		t.Fatalf("rows after the second reorg (message %d, reorg %d): %+v", rowSeq, reorgSeq, again.Transfers)
	}
	if want := canonicalIDs(t, ls, vars["to"].(string)); want[len(want)-1] != again.Transfers[0].ID {
		t.Errorf("the re-sent row %s is not the canonical last %v", again.Transfers[0].ID, want)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
