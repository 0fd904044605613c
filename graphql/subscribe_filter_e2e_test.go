package graphql_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/indexer"
)

// watched is the address the i-th filtered subscription follows.
func watched(i int) []byte { return fixture.Addr(byte(20 + i)) }

// filteredSub is one of TestSubscribeFilterSkipsGroups' subscriptions: a filter on the transfers
// to its own address, written one of four ways (the last in ROWS mode).
type filteredSub struct {
	id    string
	where map[string]any
	rows  bool
}

func newFilteredSub(i int) filteredSub {
	to := hexOf(watched(i))
	s := filteredSub{id: fmt.Sprint(i)}
	switch i % 4 {
	case 0:
		s.where = map[string]any{"to": to}
	case 1:
		s.where = map[string]any{"to_in": []any{to, hexOf(fixture.Addr(250))}}
	case 2:
		s.where = map[string]any{"and": []any{map[string]any{"to": to}, map[string]any{"value_gte": "1"}}}
	case 3:
		s.where = map[string]any{"or": []any{map[string]any{"to": to}, map[string]any{"from": hexOf(fixture.Addr(251))}}}
		s.rows = true
	}
	return s
}

const filteredSelection = `{ id to value blockNumber }`

func (s filteredSub) doc() string {
	mode := ""
	if s.rows {
		mode = ", mode: ROWS"
	}
	return `subscription S($w: Transfer_filter) { transfers(where: $w` + mode + `) ` + filteredSelection + ` }`
}

// TestSubscribeFilterSkipsGroups runs 200 distinct filtered subscriptions on one event table: a
// commit whose rows match three of them re-reads exactly those three groups (one shared read of
// the commit's rows decides for all), and every subscriber still receives exactly what a fresh
// query returns, once.
func TestSubscribeFilterSkipsGroups(t *testing.T) {
	t.Parallel()
	f := newFakeCommits(t)
	ls := serveLive(t, f.db, nil, nil)
	c := &client{url: ls.url}
	const n, perConn = 200, 20
	subs := make([]filteredSub, n)
	conns := make([]*wsClient, n/perConn)
	for i := range conns {
		conns[i] = dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	}
	conn := func(i int) *wsClient { return conns[i/perConn] }
	for i := range subs {
		subs[i] = newFilteredSub(i)
		conn(i).subscribe(subs[i].id, subs[i].doc(), map[string]any{"w": subs[i].where})
	}
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == n && s.Groups == n })
	for i, s := range subs { // the first results: nothing yet
		if got := messageData(t, conn(i), s.id); string(got) != `{"transfers":[]}` {
			t.Fatalf("%s: first result %s", s.id, got)
		}
	}
	reads0 := histogramCount(t, ls, "rahat_graphql_live_read_seconds")

	// Block 1 matches 4 (to), 77 (to_in) and 151 (ROWS): 150's filter also asks value >= 1, which
	// its row does not have, and nobody follows 240.
	b1 := f.commitTransfers(t, []sentTransfer{{watched(4), 7}, {watched(77), 7}, {watched(151), 7}, {watched(150), 0}, {fixture.Addr(240), 3}})
	matched := []int{4, 77, 151}
	for _, i := range matched {
		subs[i].check(t, c, messageData(t, conn(i), subs[i].id), b1)
	}
	// Block 2 matches every subscription.
	var all []sentTransfer
	for i := range n {
		all = append(all, sentTransfer{watched(i), 5})
	}
	b2 := f.commitTransfers(t, all)
	for i, s := range subs {
		s.check(t, c, messageData(t, conn(i), s.id), b2)
	}

	// The list stage finishes an event before it starts the next, so every read of block 1 is
	// counted by now: three of block 1, and one per group of block 2.
	if got := histogramCount(t, ls, "rahat_graphql_live_read_seconds") - reads0; got != uint64(len(matched)+n) {
		t.Errorf("%d group reads for both blocks, want %d", got, len(matched)+n)
	}
	if got := metricValue(t, ls, "rahat_graphql_live_filter_skips_total"); got != n-float64(len(matched)) {
		t.Errorf("%v groups skipped, want %d", got, n-len(matched))
	}
	if got := metricValue(t, ls, "rahat_graphql_live_filter_scans_total"); got != 2 {
		t.Errorf("%v scans of the commits' rows, want 2", got)
	}
	// Nothing else was sent: the next message of every connection is the next block's.
	b3 := f.commitTransfers(t, []sentTransfer{{watched(0), 9}})
	subs[0].check(t, c, messageData(t, conn(0), subs[0].id), b3)
}

// check compares a message sent after block b with a fresh query: in RESULT mode the result at
// b, in ROWS mode the matching rows of block b.
func (s filteredSub) check(t *testing.T, c *client, got json.RawMessage, b int64) {
	t.Helper()
	where := s.where
	if s.rows {
		where = map[string]any{"and": []any{s.where, map[string]any{"blockNumber": fmt.Sprint(b)}}}
	}
	r := c.post(t, `query Q($w: Transfer_filter, $b: Int) { transfers(where: $w, block: {number: $b}) `+filteredSelection+` }`,
		map[string]any{"w": where, "b": b})
	if len(r.Errors) > 0 {
		t.Fatalf("query: %+v", r.Errors)
	}
	var want, have any
	if err := json.Unmarshal(r.Data, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("subscription %s after block %d: got %s, a fresh query returns %s", s.id, b, got, r.Data)
	}
}

// messageData reads the next result of operation id and returns its data.
func messageData(t *testing.T, w *wsClient, id string) json.RawMessage {
	t.Helper()
	m := w.nextOf(id, 30*time.Second)
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &r); err != nil || m.Type != "next" || len(r.Errors) > 0 {
		t.Fatalf("operation %s: %+v (%s)", id, m, m.Payload)
	}
	return r.Data
}

// histogramCount is the number of observations of a histogram of the server's registry.
func histogramCount(t *testing.T, ls *liveServer, name string) uint64 {
	t.Helper()
	mfs, err := ls.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var n uint64
			for _, m := range mf.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
			return n
		}
	}
	return 0
}

// sentTransfer is a Transfer a test commits: its recipient and value.
type sentTransfer struct {
	to    []byte
	value int64
}

// commitTransfers writes transfers (from address 1) in a new block and announces it, as
// fakeCommits.commit does with its own recipients.
func (f *fakeCommits) commitTransfers(t *testing.T, trs []sentTransfer) int64 {
	t.Helper()
	ctx := context.Background()
	f.block++
	evs := make([]fixture.Event, len(trs))
	for i, tr := range trs {
		h := make([]byte, 32)
		binary.BigEndian.PutUint64(h[16:], uint64(f.block))
		binary.BigEndian.PutUint32(h[28:], uint32(i))
		evs[i] = fixture.Event{Block: f.block, Timestamp: ts(f.block), TxHash: h, LogIndex: int32(i), Contract: fixture.Addr(8),
			Params: map[string]any{"from": fixture.Addr(1), "to": tr.to, "value": fixture.Num(tr.value)}}
	}
	must(t, fixture.Insert(ctx, f.db, f.transfer, evs...))
	must(t, fixture.Block(ctx, f.db, f.block, ts(f.block)))
	must(t, fixture.Checkpoint(ctx, f.db, f.block, ts(f.block)))
	notify(t, f.db, indexer.Notification{ChainID: fixture.ChainID, From: uint64(f.block), To: uint64(f.block),
		Hash: common.BytesToHash(fixture.BlockHash(f.block)), Timestamp: uint64(ts(f.block)), Tables: []string{f.transfer.Name}})
	return f.block
}
