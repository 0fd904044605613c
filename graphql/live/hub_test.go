package live_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/graphql/live"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// startHub runs a hub on db until the test ends and waits until it listens.
func startHub(t *testing.T, db *pgxpool.Pool, mod func(*live.Config)) *live.Hub {
	t.Helper()
	cfg := live.Config{Primary: db, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	h, err := live.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if _, err := h.WaitFor(testCtx(t), func(s live.Status) bool { return s.Listening }); err != nil {
		t.Fatal(err)
	}
	return h
}

func notify(t *testing.T, db *pgxpool.Pool, n indexer.Notification) {
	t.Helper()
	b, _ := json.Marshal(n)
	if _, err := db.Exec(context.Background(), `SELECT pg_notify($1, $2)`, indexer.NotifyChannel, string(b)); err != nil {
		t.Fatal(err)
	}
}

// next waits for the feed's next event.
func next(t *testing.T, f *live.Feed, pending *[]live.Event) live.Event {
	t.Helper()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	for len(*pending) == 0 {
		select {
		case <-f.Ready():
			*pending = append(*pending, f.Take()...)
		case <-timer.C:
			t.Fatal("no event")
		}
	}
	ev := (*pending)[0]
	*pending = (*pending)[1:]
	return ev
}

func hash(n int64) common.Hash { return common.BytesToHash(fixture.BlockHash(n)) }

// TestHubBaselineAndStale: a feed starts with the checkpoint; notifications the baseline already
// covers (an older head, a reorg already counted) are dropped; the others come in order.
func TestHubBaselineAndStale(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := testCtx(t)
	must(t, fixture.Checkpoint(ctx, db, 100, 1000))
	if _, err := db.Exec(ctx, `INSERT INTO indexer_reorgs (chain_id, ancestor, depth, old_head, old_hash, new_head, new_hash) VALUES (1337, 90, 2, 92, '\x01', 93, '\x02')`); err != nil {
		t.Fatal(err)
	}
	h := startHub(t, db, nil)
	f := h.Subscribe()
	defer f.Close()
	var evs []live.Event
	if ev := next(t, f, &evs); !ev.Baseline || ev.Head.Number != 100 || ev.Head.Hash != hash(100) || ev.Announces() {
		t.Fatalf("baseline %+v", ev)
	}
	notify(t, db, indexer.Notification{ChainID: 1337, From: 99, To: 100, Hash: hash(100)})                                 // covered
	notify(t, db, indexer.Notification{ChainID: 1337, From: 91, To: 95, Reorg: &indexer.ReorgNotice{ID: 1, Ancestor: 90}}) // counted
	notify(t, db, indexer.Notification{ChainID: 1337, From: 101, To: 102, Hash: hash(102), Tables: []string{"evt_a", "evt_b"}})
	notify(t, db, indexer.Notification{ChainID: 1337, From: 101, To: 103, Hash: hash(103), Reorg: &indexer.ReorgNotice{ID: 2, Ancestor: 100, Depth: 2, OldHead: 102}})
	ev := next(t, f, &evs)
	if ev.From != 101 || ev.Head.Number != 102 || !ev.Touches("evt_b") || ev.Touches("evt_c") || ev.Reorg != nil {
		t.Fatalf("block %+v", ev)
	}
	ev = next(t, f, &evs)
	if ev.Reorg == nil || ev.Reorg.ID != 2 || ev.Reorg.Ancestor != 100 || ev.Reorg.NewHead != 103 || !ev.Touches("evt_c") {
		t.Fatalf("reorg %+v", ev)
	}
	// A feed made now starts at the last head.
	g := h.Subscribe()
	defer g.Close()
	var gevs []live.Event
	if ev := next(t, g, &gevs); !ev.Baseline || ev.Head.Number != 103 {
		t.Fatalf("second feed's baseline %+v", ev)
	}
}

// TestHubCatchUp loses the listener, commits meanwhile (a reorg, then more blocks), and lets it
// reconnect: the feed gets the reorg, then one event announcing everything from the ancestor.
func TestHubCatchUp(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := testCtx(t)
	must(t, fixture.Checkpoint(ctx, db, 100, 1000))
	var hold atomic.Bool
	gate := make(chan struct{})
	h := startHub(t, db, func(c *live.Config) {
		c.Dial = func(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
			if hold.Load() {
				<-gate
			}
			return pgx.ConnectConfig(ctx, cfg)
		}
	})
	f := h.Subscribe()
	defer f.Close()
	var evs []live.Event
	next(t, f, &evs) // baseline
	notify(t, db, indexer.Notification{ChainID: 1337, From: 101, To: 105, Hash: hash(105)})
	must(t, fixture.Checkpoint(ctx, db, 105, 1000))
	if ev := next(t, f, &evs); ev.Head.Number != 105 {
		t.Fatalf("%+v", ev)
	}

	hold.Store(true)
	if _, err := db.Exec(ctx, `SELECT pg_terminate_backend($1)`, int32(h.Status().PID)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.WaitFor(ctx, func(s live.Status) bool { return !s.Listening }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO indexer_reorgs (chain_id, ancestor, depth, old_head, old_hash, new_head, new_hash) VALUES (1337, 103, 2, 105, $1, 106, $2)`,
		hash(105).Bytes(), hash(106).Bytes()); err != nil {
		t.Fatal(err)
	}
	must(t, fixture.Checkpoint(ctx, db, 109, 1000))
	close(gate)

	ev := next(t, f, &evs)
	if ev.Reorg == nil || ev.Reorg.Ancestor != 103 || ev.Reorg.OldHead != 105 || !ev.CatchUp || ev.Announces() {
		t.Fatalf("catch-up reorg %+v", ev)
	}
	ev = next(t, f, &evs)
	if !ev.CatchUp || ev.From != 104 || ev.Head.Number != 109 || ev.Head.Hash != hash(109) || !ev.AllTables {
		t.Fatalf("catch-up blocks %+v", ev)
	}
	// The notification of a commit the catch-up covered is dropped; the next one comes.
	notify(t, db, indexer.Notification{ChainID: 1337, From: 108, To: 109, Hash: hash(109)})
	notify(t, db, indexer.Notification{ChainID: 1337, From: 110, To: 110, Hash: hash(110)})
	if ev := next(t, f, &evs); ev.From != 110 || ev.CatchUp {
		t.Fatalf("after the catch-up %+v", ev)
	}
}

// TestHubReplicaWait holds an event until the read replica has its head.
func TestHubReplicaWait(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	ctx := testCtx(t)
	primary, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	replica, err := pgxpool.New(ctx, url) // another pool: the hub cannot tell it is the same server
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	must(t, fixture.Checkpoint(ctx, primary, 100, 1000))
	h := startHub(t, primary, func(c *live.Config) { c.Read, c.ReplicaWait = replica, time.Minute })
	f := h.Subscribe()
	defer f.Close()
	var evs []live.Event
	next(t, f, &evs) // baseline
	notify(t, primary, indexer.Notification{ChainID: 1337, From: 101, To: 101, Hash: hash(101)})
	// The replica is at 100: the hub holds the event back (it polls until the checkpoint moves).
	if _, err := h.WaitFor(ctx, func(s live.Status) bool { return s.Holding == 101 }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-f.Ready():
		t.Fatalf("released before the replica had the block: %+v", f.Take())
	default:
	}
	must(t, fixture.Checkpoint(ctx, primary, 101, 1000))
	if ev := next(t, f, &evs); ev.Head.Number != 101 {
		t.Fatalf("%+v", ev)
	}
}

// TestFeedMergesWhenBehind: a consumer that does not take events sees block events merged, and
// never a reorg merged away.
func TestFeedMergesWhenBehind(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := testCtx(t)
	must(t, fixture.Checkpoint(ctx, db, 100, 1000))
	h := startHub(t, db, func(c *live.Config) { c.FeedPending = 2 })
	f := h.Subscribe()
	defer f.Close()
	for i := int64(101); i <= 110; i++ {
		n := indexer.Notification{ChainID: 1337, From: uint64(i), To: uint64(i), Hash: hash(i), Tables: []string{"evt_" + string(rune('a'+i%3))}}
		if i == 105 {
			n.Reorg = &indexer.ReorgNotice{ID: 1, Ancestor: 103}
			n.From = 104
		}
		notify(t, db, n)
	}
	if _, err := h.WaitFor(ctx, func(s live.Status) bool { return s.Heads[1337].Number == 110 }); err != nil {
		t.Fatal(err)
	}
	var evs []live.Event
	for _, ev := range f.Take() {
		if !ev.Baseline {
			evs = append(evs, ev)
		}
	}
	var got []string
	for _, ev := range evs {
		s := ""
		if ev.Reorg != nil {
			s = "reorg:"
		}
		got = append(got, s+itoa(ev.From)+"-"+itoa(ev.Head.Number))
	}
	want := []string{"101-104", "reorg:104-110"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || len(evs[1].Tables) != 3 {
		t.Fatalf("events %v (tables %v), want %v", got, evs[len(evs)-1].Tables, want)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
