package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/internal/pgtest"
)

// gatedDB holds the first statement until the test opens the gate, counts statements, and can
// fail every statement after the first.
type gatedDB struct {
	*pgxpool.Pool
	entered, open chan struct{}
	calls         atomic.Int64
	failAfter     bool
}

func (g *gatedDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	n := g.calls.Add(1)
	if n == 1 {
		close(g.entered)
		<-g.open
	} else if g.failAfter {
		return nil, errors.New("the database went away")
	}
	return g.Pool.Query(ctx, sql, args...)
}

// readResult is what one raw read saw: its rows' raw values and their wire formats.
type readResult struct {
	n       int
	formats []int16
	rows    [][][]byte
	err     error
}

func (r *readResult) add(fds []pgconn.FieldDescription, vals [][]byte) error {
	row := make([][]byte, len(vals))
	for i := range vals {
		if r.n == 0 && len(r.rows) == 0 {
			r.formats = append(r.formats, fds[i].Format)
		}
		row[i] = bytes.Clone(vals[i])
	}
	r.rows = append(r.rows, row)
	return nil
}

// read is one of the raw reads the fast path makes.
type read func(ctx context.Context, en *Engine) readResult

// lookup reads a Transfer by id.
func lookup(id []byte) read {
	return func(ctx context.Context, en *Engine) readResult {
		var r readResult
		found, err := GetRaw(ctx, en, en.Catalog().Entity("Transfer"), model.Bytes(id).String(), nil, r.add)
		r.err = err
		if found {
			r.n = 1
		}
		return r
	}
}

// page reads the 3 latest Transfers to an address.
func page(to []byte) read {
	return func(ctx context.Context, en *Engine) readResult {
		var r readResult
		first, orderBy, dir := 3, "blockNumber", "desc"
		r.n, r.err = ListRaw(ctx, en, en.Catalog().Entity("Transfer"), ListArgs{First: &first, OrderBy: &orderBy, OrderDirection: &dir,
			Where: map[string]any{"to": model.Bytes(to)}}, r.add)
		return r
	}
}

func transferIDs(t *testing.T, db *pgxpool.Pool, n int) (ids [][]byte) {
	t.Helper()
	ctx := t.Context()
	tables, err := fixture.Tables(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var evs []fixture.Event
	for i := range n {
		tx := fixture.Hash(byte(i))
		evs = append(evs, fixture.Event{Block: int64(10 + i), Timestamp: int64(1000 + i), TxHash: tx, LogIndex: int32(i * 3), Contract: fixture.Addr(1),
			Params: map[string]any{"from": fixture.Addr(2), "to": fixture.Addr(byte(3 + i%5)), "value": fixture.Num(int64(100 + i))}})
		ids = append(ids, append(bytes.Clone(tx), model.LE32(i*3)...))
	}
	if err := fixture.Insert(ctx, db, tables["Transfer"], evs...); err != nil {
		t.Fatal(err)
	}
	if err := fixture.Checkpoint(ctx, db, int64(10+n), int64(1000+n)); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestCoalescedReads: reads that arrive while their statement's slots are taken are answered by
// merged statements (one per maxCoalesced reads, in arrival order), and each gets exactly what it
// would have got alone: its rows in order, duplicates included, or none. A waiter whose context
// ends returns at once; the opener's cancellation does not stop its batch; a failed statement
// fails every read of its batch.
func TestCoalescedReads(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ids := transferIDs(t, db, 40)
	alone := NewEngine(db, testCatalog(t), fixture.ChainID, Limits{CoalesceSlots: -1})

	missing := append(fixture.Hash(250), model.LE32(7)...)
	lookups := func(n int) []read {
		out := make([]read, n)
		for i := range out {
			switch i % 7 {
			case 3:
				out[i] = lookup(missing)
			case 5:
				out[i] = lookup(ids[0]) // the same id as the statement in flight
			default:
				out[i] = lookup(ids[i%len(ids)])
			}
		}
		return out
	}
	pages := func(n int) []read {
		out := make([]read, n)
		for i := range out {
			out[i] = page(fixture.Addr(byte(i % 9))) // 3..7 hold transfers; the others none
		}
		return out
	}
	tests := []struct {
		name       string
		first      read
		reads      []read
		cancel     []int // readers whose context is cancelled while they wait (0: the batch's opener)
		fail       bool
		statements int64
	}{
		{name: "lookups, one batch", first: lookup(ids[0]), reads: lookups(60), statements: 2},
		{name: "lookups, full batches split in order", first: lookup(ids[1]), reads: lookups(2*maxCoalesced + 3), statements: 4},
		{name: "pages, one batch", first: page(fixture.Addr(3)), reads: pages(40), statements: 2},
		{name: "cancelled waiters", first: lookup(ids[0]), reads: lookups(30), cancel: []int{0, 7}, statements: 2},
		{name: "failed statement", first: page(fixture.Addr(4)), reads: pages(10), fail: true, statements: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &gatedDB{Pool: db, entered: make(chan struct{}), open: make(chan struct{}), failAfter: tt.fail}
			en := NewEngine(g, testCatalog(t), fixture.ChainID, Limits{CoalesceSlots: 1})
			first := make(chan readResult, 1)
			go func() { first <- tt.first(t.Context(), en) }()
			<-g.entered

			cancels := map[int]context.CancelFunc{}
			got := make([]readResult, len(tt.reads))
			dones := make([]chan struct{}, len(tt.reads))
			for i, rd := range tt.reads {
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				cancels[i] = cancel
				waitJoined(t, en, i) // joins in this order, so reader 0 opens the first batch
				dones[i] = make(chan struct{})
				go func() { defer close(dones[i]); got[i] = rd(ctx, en) }()
			}
			waitJoined(t, en, len(tt.reads))
			for _, i := range tt.cancel {
				cancels[i]()
			}
			for _, i := range tt.cancel {
				// A cancelled reader returns while its batch still waits behind the gate.
				select {
				case <-dones[i]:
				case <-time.After(time.Minute):
					t.Fatalf("reader %d did not return when its context was cancelled", i)
				}
			}
			close(g.open)
			for _, d := range dones {
				<-d
			}
			if r := <-first; r.err != nil || r.n == 0 {
				t.Fatalf("the first read: %d rows, %v", r.n, r.err)
			}
			for i, rd := range tt.reads {
				r := got[i]
				switch {
				case slices.Contains(tt.cancel, i):
					if !errors.Is(r.err, context.Canceled) {
						t.Errorf("reader %d: cancelled, got %v", i, r.err)
					}
				case tt.fail:
					if r.err == nil || r.n != 0 {
						t.Errorf("reader %d: the batch failed, got %d rows, %v", i, r.n, r.err)
					}
				default:
					if w := rd(t.Context(), alone); fmt.Sprint(r) != fmt.Sprint(w) {
						t.Errorf("reader %d:\n got %v\nwant %v", i, r, w)
					}
				}
			}
			if n := g.calls.Load(); n != tt.statements {
				t.Errorf("statements: %d, want %d", n, tt.statements)
			}
			waitDrained(t, en) // the last batch frees its slot just after its readers return
		})
	}
}

// TestMergeText: the statements the builder writes merge; texts that cannot be merged say why.
func TestMergeText(t *testing.T) {
	t.Parallel()
	e := testCatalog(t).Entity("Transfer")
	list, err := listStmt(1, model.LatestBlock, e, map[string]any{"to": model.Bytes(fixture.Addr(1)), "value_gt": model.BigInt("5")}, "blockNumber", true, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, sql string
		casts     []string
		err       string
	}{
		{name: "list", sql: list.SQL, casts: []string{"int8", "bytea", "numeric"}},
		{name: "repeated placeholder", sql: "SELECT 1 WHERE $1::int8 = $2::int8 OR $1::int8 > 0 LIMIT 1", casts: []string{"int8", "int8"}},
		{name: "no cast", sql: "SELECT 1 WHERE x = $1 LIMIT 1", err: "no scalar cast"},
		{name: "array", sql: "SELECT 1 WHERE x = ANY($1::bytea[]) LIMIT 1", err: "no scalar cast"},
		{name: "two casts", sql: "SELECT 1 WHERE $1::int8 = $1::int4 LIMIT 1", err: "cast to both"},
		{name: "gap", sql: "SELECT 1 WHERE $2::int8 = 1 LIMIT 1", err: "never used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mergeText(tt.sql)
			if tt.err != "" {
				if m.err == nil || !strings.Contains(m.err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", m.err, tt.err)
				}
				return
			}
			if m.err != nil || !slices.Equal(m.casts, tt.casts) {
				t.Fatalf("casts %v (err %v), want %v", m.casts, m.err, tt.casts)
			}
			if strings.Contains(strings.SplitN(m.sql, "CROSS JOIN LATERAL", 2)[1], "$") {
				t.Errorf("a placeholder is left in the lateral statement: %s", m.sql)
			}
		})
	}
}

// waitJoined waits until n reads wait in open batches.
func waitJoined(t *testing.T, en *Engine, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		en.merger.mu.Lock()
		joined := 0
		for _, q := range en.merger.q {
			for _, b := range q.open {
				joined += len(b.calls)
			}
		}
		en.merger.mu.Unlock()
		if joined >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reads joined, want %d", joined, n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// waitDrained waits until no statement is in flight and no batch is open.
func waitDrained(t *testing.T, en *Engine) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		en.merger.mu.Lock()
		left := len(en.merger.q)
		en.merger.mu.Unlock()
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d statement texts still have reads in flight or waiting", left)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// heldRows holds a merged statement's stream at the first row of the caller at position hold
// (from 1) until release is closed, then fails there when fail is set.
type heldRows struct {
	pgx.Rows
	hold         int64
	held         chan struct{} // closed when the stream is held
	release      <-chan struct{}
	fail, failed bool
}

func (r *heldRows) Next() bool {
	if r.failed || !r.Rows.Next() {
		return false
	}
	if i, err := ordinal(r.FieldDescriptions()[0], r.RawValues()[0]); err == nil && i == r.hold {
		close(r.held)
		<-r.release
		r.hold = 0
		if r.fail {
			r.failed = true
			return false
		}
	}
	return true
}

func (r *heldRows) Err() error {
	if r.failed {
		return errors.New("the connection broke mid-stream")
	}
	return r.Rows.Err()
}

// streamDB is gatedDB whose later statements' rows are held (and maybe failed) mid-stream.
type streamDB struct {
	*gatedDB
	rows *heldRows
}

func (s *streamDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := s.gatedDB.Query(ctx, sql, args...)
	if err != nil || s.calls.Load() == 1 {
		return rows, err
	}
	s.rows.Rows = rows
	return s.rows, nil
}

// TestCoalescedReadsStream: a merged statement answers each caller as soon as its rows are read,
// while the database still reads the others' (the callers before the held row return with their
// whole answers); a statement that fails mid-stream fails only the callers not yet answered.
func TestCoalescedReadsStream(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	transferIDs(t, db, 40)
	alone := NewEngine(db, testCatalog(t), fixture.ChainID, Limits{CoalesceSlots: -1})
	// The stream is held at the first row of reader 3 (position 4): readers 0 and 1 are answered,
	// reader 2's rows are all read but it waits for a later row to know it.
	const readers, hold = 5, 4
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			release := make(chan struct{})
			s := &streamDB{
				gatedDB: &gatedDB{Pool: db, entered: make(chan struct{}), open: make(chan struct{})},
				rows:    &heldRows{hold: hold, held: make(chan struct{}), release: release, fail: fail},
			}
			en := NewEngine(s, testCatalog(t), fixture.ChainID, Limits{CoalesceSlots: 1})
			first := make(chan readResult, 1)
			go func() { first <- page(fixture.Addr(3))(t.Context(), en) }()
			<-s.entered
			got := make([]chan readResult, readers)
			for i := range readers {
				waitJoined(t, en, i)
				got[i] = make(chan readResult, 1)
				go func() { got[i] <- page(fixture.Addr(byte(3+i)))(t.Context(), en) }()
			}
			waitJoined(t, en, readers)
			close(s.open)
			<-s.rows.held
			for i := range readers {
				want := page(fixture.Addr(byte(3+i)))(t.Context(), alone)
				if i < hold-2 {
					select {
					case r := <-got[i]:
						if fmt.Sprint(r) != fmt.Sprint(want) || r.n == 0 {
							t.Errorf("reader %d, answered mid-stream:\n got %v\nwant %v", i, r, want)
						}
					case <-time.After(time.Minute):
						t.Fatalf("reader %d was not answered while the stream was held after its rows", i)
					}
					continue
				}
				select {
				case r := <-got[i]:
					t.Fatalf("reader %d answered while the stream was held at or before its last row: %v", i, r)
				default:
				}
			}
			close(release)
			for i := hold - 2; i < readers; i++ {
				r := <-got[i]
				want := page(fixture.Addr(byte(3+i)))(t.Context(), alone)
				switch {
				case fail && (r.err == nil || r.n != 0):
					t.Errorf("reader %d: the stream failed at its rows, got %d rows, %v", i, r.n, r.err)
				case !fail && fmt.Sprint(r) != fmt.Sprint(want):
					t.Errorf("reader %d:\n got %v\nwant %v", i, r, want)
				}
			}
			if r := <-first; r.err != nil || r.n == 0 {
				t.Fatalf("the first read: %d rows, %v", r.n, r.err)
			}
			waitDrained(t, en)
		})
	}
}
