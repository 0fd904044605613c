package status

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/live"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixtureSQL is a chain as the indexer leaves it: a checkpoint behind the head, a reorg, and one
// event table (shaped like the indexer's, unpartitioned) in the catalog with three events.
const fixtureSQL = `
INSERT INTO indexer_chains (chain_id, network, start_block, indexed_block, indexed_timestamp, head_block, finalized_block, last_error)
VALUES (1337, 'dev', 1, 120, 1700000120, 125, 60, 'dialling https://provider.example/v2/SECRET-KEY: refused');
INSERT INTO indexer_reorgs (chain_id, ancestor, depth, old_head, old_hash, new_head, new_hash)
VALUES (1337, 100, 3, 103, '\xaa', 104, '\xbb');
CREATE TABLE evt_test_token_transfer (
	chain_id int8 NOT NULL, contract bytea NOT NULL, block_number int8 NOT NULL, block_hash bytea NOT NULL,
	block_timestamp int8 NOT NULL, tx_hash bytea NOT NULL, tx_index int4 NOT NULL, log_index int4 NOT NULL,
	PRIMARY KEY (chain_id, block_number, log_index));
INSERT INTO indexer_event_tables (table_name, contract, event, raw_event, signature, topic0, columns)
VALUES ('evt_test_token_transfer', 'TestToken', 'Transfer', 'Transfer', 'Transfer(address,address,uint256)', '\x01', '[]');
INSERT INTO evt_test_token_transfer VALUES
	(1337, '\x0c', 110, '\x01', 1700000110, '\x1111', 0, 0),
	(1337, '\x0c', 118, '\x02', 1700000118, '\x2222', 0, 1),
	(1337, '\x0c', 118, '\x02', 1700000118, '\x2222', 0, 5);
`

func setup(t *testing.T) (*Server, *live.Hub, *pgxpool.Pool) {
	t.Helper()
	db := pgtest.New(t)
	if _, err := db.Exec(t.Context(), fixtureSQL); err != nil {
		t.Fatal(err)
	}
	hub, err := live.New(live.Config{Primary: db})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{DB: db, Hub: hub, Version: "v-test", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s, hub, db
}

func TestSnapshot(t *testing.T) {
	t.Parallel()
	s, hub, db := setup(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Networks) != 1 {
		t.Fatalf("networks %+v", snap.Networks)
	}
	n := snap.Networks[0]
	if n.ChainID != 1337 || n.Name != "dev" || n.IndexedBlock != 120 || *n.HeadBlock != 125 || n.Lag != 5 || n.EventsPerSecond != nil {
		t.Errorf("network %+v, want dev at 120 of 125, lag 5, throughput unknown (not listening)", n)
	}
	if snap.GraphQLChainID != 1337 || snap.Version != "v-test" {
		t.Errorf("graphql chain %d, version %q", snap.GraphQLChainID, snap.Version)
	}
	if len(snap.Reorgs) != 1 || snap.Reorgs[0].Depth != 3 || snap.Reorgs[0].OldHash.String() != "0xaa" {
		t.Errorf("reorgs %+v", snap.Reorgs)
	}
	var got []string
	for _, e := range snap.Events {
		got = append(got, e.TxHash.String()+"/"+e.Event+"/"+e.Source)
	}
	if want := "0x2222/Transfer/TestToken 0x2222/Transfer/TestToken 0x1111/Transfer/TestToken"; strings.Join(got, " ") != want {
		t.Errorf("events %v, want %s", got, want)
	}
	if snap.Events[0].LogIndex != 5 {
		t.Errorf("newest event has log index %d, want 5", snap.Events[0].LogIndex)
	}

	// Throughput: once the hub listens, a commit covering blocks 121-125 counts the rows of the
	// tables it names (one of which no longer exists) in those blocks: 2 of the 3 added here.
	hubDone, runDone := make(chan error, 1), make(chan error, 1)
	go func() { hubDone <- hub.Run(ctx) }()
	go func() { runDone <- s.Run(ctx) }()
	if _, err := hub.WaitFor(ctx, func(st live.Status) bool { return st.Listening }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, func() bool { ok, _, _ := s.meter.ranges(time.Now(), time.Minute); return ok }) // Run follows the hub
	if _, err := db.Exec(ctx, `
		INSERT INTO evt_test_token_transfer VALUES
			(1337, '\x0c', 121, '\x03', 1700000121, '\x3333', 0, 0),
			(1337, '\x0c', 125, '\x04', 1700000125, '\x4444', 0, 0),
			(1337, '\x0c', 126, '\x05', 1700000126, '\x5555', 0, 0);
		UPDATE indexer_chains SET indexed_block = 125`); err != nil {
		t.Fatal(err)
	}
	note, _ := json.Marshal(indexer.Notification{ChainID: 1337, From: 121, To: 125, Tables: []string{"evt_test_token_transfer", "evt_gone"}})
	if _, err := db.Exec(ctx, `SELECT pg_notify($1, $2)`, indexer.NotifyChannel, string(note)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, func() bool { _, _, r := s.meter.ranges(time.Now(), time.Minute); return len(r) == 1 })
	snap, err = s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n = snap.Networks[0]
	cancel()
	if err := <-runDone; err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := <-hubDone; err != nil {
		t.Errorf("hub: %v", err)
	}
	if n.EventsPerSecond == nil || n.ThroughputSeconds < 1 || *n.EventsPerSecond*n.ThroughputSeconds < 1.99 || *n.EventsPerSecond*n.ThroughputSeconds > 2.01 {
		t.Errorf("throughput %v over %v s, want 2 events", n.EventsPerSecond, n.ThroughputSeconds)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	s, _, _ := setup(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	for _, tt := range []struct {
		path, status, ctype, contains string
	}{
		{"/", "200 OK", "text/html; charset=utf-8", `src="/status/status.js"`},
		{"/status/status.js", "200 OK", "text/javascript; charset=utf-8", "graphql-transport-ws"},
		{"/status/status.css", "200 OK", "text/css; charset=utf-8", "--ok"},
		{"/status.json", "200 OK", "application/json", `"indexed_block":120`},
		{"/status/index.html", "404 Not Found", "", ""},
		{"/status/nothing.js", "404 Not Found", "", ""},
		{"/elsewhere", "404 Not Found", "", ""},
	} {
		res, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Status != tt.status || tt.ctype != "" && res.Header.Get("Content-Type") != tt.ctype || !strings.Contains(string(body), tt.contains) {
			t.Errorf("GET %s: %s %q, want %s %q containing %q", tt.path, res.Status, res.Header.Get("Content-Type"), tt.status, tt.ctype, tt.contains)
		}
		if strings.Contains(string(body), "SECRET-KEY") {
			t.Errorf("GET %s shows indexer_chains.last_error, which can hold a provider's key", tt.path)
		}
	}

	// The page revalidates with its ETag.
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Content-Security-Policy") == "" {
		t.Error("the page has no Content-Security-Policy")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("GET / with its ETag: %s, want 304", res.Status)
	}
}

func TestMeter(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	note := func(chain, from, to uint64, tables ...string) commit {
		return commit{chainID: chain, from: from, to: to, tables: tables}
	}
	for _, tt := range []struct {
		name     string
		since    time.Duration // after t0; -1: not listening
		commits  map[time.Duration]commit
		now      time.Duration
		wantSpan time.Duration
		want     map[uint64]string
	}{
		{name: "not listening", since: -1, now: time.Minute},
		{name: "just started", since: 0, now: 0, wantSpan: time.Second, want: map[uint64]string{}},
		{name: "shorter than the window", since: 0, now: 20 * time.Second, wantSpan: 20 * time.Second,
			commits: map[time.Duration]commit{time.Second: note(1, 10, 12, "a"), 2 * time.Second: note(1, 13, 13, "b")},
			want:    map[uint64]string{1: "10-13 a b"}},
		{name: "old commits leave the window", since: 0, now: 90 * time.Second, wantSpan: time.Minute,
			commits: map[time.Duration]commit{time.Second: note(1, 10, 12, "a"), 40 * time.Second: note(1, 13, 20, "b"), 50 * time.Second: note(2, 5, 5)},
			want:    map[uint64]string{1: "13-20 b", 2: "5-5"}},
		{name: "reorg goes below the window's first block", since: 0, now: 30 * time.Second, wantSpan: 30 * time.Second,
			commits: map[time.Duration]commit{time.Second: note(1, 10, 12, "a"), 2 * time.Second: note(1, 8, 13, "a")},
			want:    map[uint64]string{1: "8-13 a"}},
		{name: "a catch-up counts every table", since: 0, now: 30 * time.Second, wantSpan: 30 * time.Second,
			commits: map[time.Duration]commit{time.Second: note(1, 10, 12, "a"), 2 * time.Second: {chainID: 1, from: 13, to: 30, all: true}},
			want:    map[uint64]string{1: "10-30 a all"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m meter
			if tt.since >= 0 {
				m.reset(t0.Add(tt.since))
			}
			for _, at := range []time.Duration{time.Second, 2 * time.Second, 40 * time.Second, 50 * time.Second} {
				if n, ok := tt.commits[at]; ok {
					m.add(t0.Add(at), time.Minute, n)
				}
			}
			ok, span, ranges := m.ranges(t0.Add(tt.now), time.Minute)
			if ok != (tt.since >= 0) || span != tt.wantSpan {
				t.Errorf("listening %v over %v, want %v over %v", ok, span, tt.since >= 0, tt.wantSpan)
			}
			got := map[uint64]string{}
			for c, r := range ranges {
				got[c] = describe(r)
			}
			if tt.want != nil && !maps.Equal(got, tt.want) {
				t.Errorf("ranges %v, want %v", got, tt.want)
			}
		})
	}
}

func describe(r blockRange) string {
	out := strconv.FormatUint(r.from, 10) + "-" + strconv.FormatUint(r.to, 10)
	for _, name := range []string{"a", "b"} {
		if r.tables[name] {
			out += " " + name
		}
	}
	if r.all {
		out += " all"
	}
	return out
}

// waitFor polls cond until it holds, or fails the test when ctx ends.
func waitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("condition not met: %v", ctx.Err())
		case <-tick.C:
		}
	}
}
