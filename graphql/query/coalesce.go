package query

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// The raw reads behind the handler's fast path (a lookup by id, a list of one entity) are one
// round trip each, and at a few thousand requests a second most of their cost is the round trip
// itself: the protocol, a write that wakes a backend, a read that wakes us. Under load the
// coalescer merges concurrent executions of the same statement text (the same query shape with
// other values) into one statement that runs the original once per set of values:
//
//	SELECT k.i, r.* FROM unnest($1::int8[], $2::bytea[]) WITH ORDINALITY AS k(a1, a2, i)
//	CROSS JOIN LATERAL (<the statement, with k.a1::int8 for $1::int8 ...>) AS r
//
// A lateral subquery that refers to the outer row is run as a nested loop, once per outer row in
// the outer order, and every statement of ours ends with a LIMIT, so it is never flattened into
// a join: the rows come back grouped by k.i in order, each group in the statement's own order.
// So a caller is answered as soon as the first row of a later caller arrives, and renders its
// answer while the database reads the rest of the batch. The coalescer checks the grouping as it
// reads and fails the callers not yet answered if it ever sees otherwise.
//
// It never waits to fill a batch. While fewer than CoalesceSlots executions of a statement text
// are in flight, one runs alone, exactly as without the coalescer. Once that many are in flight,
// the next ones join one open batch, which starts as soon as any in-flight execution of the text
// ends (taking its slot); a full batch (maxCoalesced) is closed and the ones after it open the
// next. A batch reads one snapshot, as each statement alone would. Statements that cannot be
// merged (a placeholder without a cast, an array or NULL value) always run alone.
//
// A caller whose context ends while it waits returns at once; its batch still runs for the
// others. The batch's statement runs under the deadline of the caller that opened it (a
// request's timeout), detached from its cancellation. An error reaches every caller of the batch
// not yet answered (those answered had all their rows).

// CoalesceSlots is the default number of executions of one statement text in flight before the
// next ones are merged.
const CoalesceSlots = 4

// maxCoalesced bounds the executions merged into one statement.
const maxCoalesced = 256

// maxMergedTexts bounds the cache of merged statement texts (it is emptied when full).
const maxMergedTexts = 1024

// coalescer merges concurrent executions of a statement text; one per engine.
type coalescer struct {
	slots   int
	onMerge func(reads int) // called once per merged statement run; nil: none
	mu      sync.Mutex
	q       map[string]*stmtQueue // by statement text; removed when idle
	texts   map[string]merged     // by statement text
}

// stmtQueue is one statement text's state: executions in flight and batches waiting for a slot.
type stmtQueue struct {
	inflight int
	open     []*stmtBatch // FIFO: open[0] runs first; only the last one takes more
}

// merged is a statement text rewritten to run once per set of values.
type merged struct {
	sql   string
	casts []string // the placeholders' casts: $1's first
	err   error    // the text cannot be merged
}

// stmtBatch is one merged execution: the values of each caller (by placeholder), then the answer.
type stmtBatch struct {
	m        merged
	types    []reflect.Type // of the first caller's values
	args     [][]any        // by placeholder, one value per caller
	calls    []*batchCall   // by position
	deadline time.Time
	ctx      context.Context // the opener's, for its values only
	// Set before the first caller is answered.
	fds []pgconn.FieldDescription
}

// batchCall is one caller's share of a batch. The rows come back grouped by caller in order, so a
// caller is answered as soon as a row of a later caller arrives (or the statement ends): it
// renders its answer while the database still reads the others'.
type batchCall struct {
	done chan struct{}
	// The caller's rows, written by the batch until done, then read by the caller: nil until its
	// first row.
	rows *callRows
	err  error // after done
}

// callRows holds one caller's rows as the batch read them: the values end to end in buf, and
// each value's end offset in buf (-1: NULL), len(stmtBatch.fds) per row. They come from a pool
// and go back to it once the caller has handed its rows on: a page of 100 rows would otherwise
// cost tens of kilobytes of garbage per request, and the collector's work grew with it.
type callRows struct {
	buf  []byte
	ends []int32
}

// maxPooledRows is the largest buffer kept for reuse; a rare huge answer is left to the collector.
const maxPooledRows = 1 << 20

var rowsPool = sync.Pool{New: func() any { return new(callRows) }}

func (r *callRows) add(vals [][]byte) {
	for _, v := range vals {
		if v == nil {
			r.ends = append(r.ends, -1)
			continue
		}
		r.buf = append(r.buf, v...)
		r.ends = append(r.ends, int32(len(r.buf)))
	}
}

// each hands fn the rows, cols values at a time, in one reused slice; it returns the number of
// rows handed on.
func (r *callRows) each(fds []pgconn.FieldDescription, fn RawFunc) (int, error) {
	cols := len(fds)
	if r == nil || cols == 0 {
		return 0, nil
	}
	row := make([][]byte, cols)
	start := int32(0)
	n := 0
	for k := 0; k+cols <= len(r.ends); k += cols {
		for c, end := range r.ends[k : k+cols] {
			if end < 0 {
				row[c] = nil
				continue
			}
			row[c] = r.buf[start:end:end]
			start = end
		}
		if err := fn(fds, row); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// release returns r to the pool; nothing may use it after.
func (r *callRows) release() {
	if r == nil || cap(r.buf) > maxPooledRows || cap(r.ends) > maxPooledRows/4 {
		return
	}
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	rowsPool.Put(r)
}

func (bc *batchCall) finish(err error) {
	bc.err = err
	close(bc.done)
}

func newCoalescer(slots int) *coalescer {
	return &coalescer{slots: slots, q: map[string]*stmtQueue{}, texts: map[string]merged{}}
}

// query runs st, or has it run in a merged statement, handing every row to fn; it returns the
// number of rows read (scanRaw's contract).
func (c *coalescer) query(ctx context.Context, en *Engine, st Stmt, fn RawFunc) (int, error) {
	if c.slots <= 0 {
		return scanRaw(ctx, en, st, fn)
	}
	c.mu.Lock()
	q := c.q[st.SQL]
	if q == nil {
		q = &stmtQueue{}
		c.q[st.SQL] = q
	}
	if q.inflight < c.slots {
		q.inflight++
		c.mu.Unlock()
		defer c.release(en, st.SQL)
		return scanRaw(ctx, en, st, fn)
	}
	b, bc, ok := c.join(ctx, q, st)
	if !ok {
		c.mu.Unlock()
		return scanRaw(ctx, en, st, fn)
	}
	c.mu.Unlock()
	select {
	case <-bc.done:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer bc.rows.release()
	if bc.err != nil {
		return 0, bc.err
	}
	return bc.rows.each(b.fds, fn)
}

// join adds st's values to the text's open batch (opening one when there is none, or the last
// is full) and returns the batch and the caller's share of it; false when st cannot be merged.
// c.mu is held.
func (c *coalescer) join(ctx context.Context, q *stmtQueue, st Stmt) (*stmtBatch, *batchCall, bool) {
	var b *stmtBatch
	if k := len(q.open); k > 0 && len(q.open[k-1].calls) < maxCoalesced {
		b = q.open[k-1]
		for p, v := range st.Args {
			if reflect.TypeOf(v) != b.types[p] {
				return nil, nil, false
			}
		}
	} else {
		m := c.merge(st.SQL)
		if m.err != nil || len(m.casts) != len(st.Args) {
			return nil, nil, false
		}
		b = &stmtBatch{m: m, types: make([]reflect.Type, len(st.Args)), args: make([][]any, len(st.Args)), ctx: ctx}
		for p, v := range st.Args {
			if v == nil || !mergeable(reflect.TypeOf(v)) {
				return nil, nil, false
			}
			b.types[p] = reflect.TypeOf(v)
		}
		if d, ok := ctx.Deadline(); ok {
			b.deadline = d
		}
		q.open = append(q.open, b)
	}
	for p, v := range st.Args {
		b.args[p] = append(b.args[p], v)
	}
	bc := &batchCall{done: make(chan struct{})}
	b.calls = append(b.calls, bc)
	return b, bc, true
}

// mergeable reports whether values of type t can be passed as the elements of an array: the
// plain types the builder passes (integers, text, byte strings, booleans). Anything else runs
// alone, rather than risk an encoding that differs from the value's own.
func mergeable(t reflect.Type) bool {
	switch t {
	case reflect.TypeFor[int64](), reflect.TypeFor[int32](), reflect.TypeFor[int](), reflect.TypeFor[string](),
		reflect.TypeFor[[]byte](), reflect.TypeFor[bool](), reflect.TypeFor[float64]():
		return true
	}
	return false
}

// release ends an execution of a text: its slot goes to the oldest open batch, else it is freed.
func (c *coalescer) release(en *Engine, text string) {
	c.mu.Lock()
	q := c.q[text]
	if len(q.open) == 0 {
		q.inflight--
		if q.inflight == 0 {
			delete(c.q, text)
		}
		c.mu.Unlock()
		return
	}
	b := q.open[0]
	q.open[0] = nil
	q.open = q.open[1:]
	c.mu.Unlock()
	go c.run(en, text, b)
}

// run executes a batch on the slot it was given, answers each caller as soon as its rows are
// read, and passes the slot on.
func (c *coalescer) run(en *Engine, text string, b *stmtBatch) {
	defer c.release(en, text)
	ctx := context.WithoutCancel(b.ctx)
	if !b.deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, b.deadline)
		defer cancel()
	}
	args := make([]any, len(b.args))
	for p, vals := range b.args {
		arr := reflect.MakeSlice(reflect.SliceOf(b.types[p]), len(vals), len(vals))
		for i, v := range vals {
			arr.Index(i).Set(reflect.ValueOf(v))
		}
		args[p] = arr.Interface()
	}
	n := len(b.calls)
	if c.onMerge != nil {
		c.onMerge(n)
	}
	// answered callers come before next; cur is the caller whose rows are being read (0: none yet).
	next, cur := 0, int64(0)
	answerUpTo := func(end int, err error) {
		for ; next < end; next++ {
			b.calls[next].finish(err)
		}
	}
	_, err := scanRaw(ctx, en, Stmt{SQL: b.m.sql, Args: args}, func(fds []pgconn.FieldDescription, vals [][]byte) error {
		i, err := ordinal(fds[0], vals[0])
		switch {
		case err != nil || i < 1 || i > int64(n):
			return fmt.Errorf("merged statement: bad position %q: %v", vals[0], err)
		case i < cur:
			// Never seen: a lateral subquery with a LIMIT runs once per outer row, in order. Had
			// it happened, caller i would have been answered without this row; the callers not
			// yet answered get the error.
			return errors.New("merged statement: rows came back out of order")
		}
		if b.fds == nil {
			b.fds = append([]pgconn.FieldDescription(nil), fds[1:]...)
		}
		if i != cur {
			answerUpTo(int(i-1), nil) // the callers before i have all their rows
			cur = i
		}
		bc := b.calls[i-1]
		if bc.rows == nil {
			bc.rows = rowsPool.Get().(*callRows)
		}
		bc.rows.add(vals[1:])
		return nil
	})
	answerUpTo(n, err)
}

// placeholder matches a parameter and its cast, as the builder writes them ($3::bytea).
var placeholder = regexp.MustCompile(`\$([0-9]+)(::[a-z0-9_]+(\[\])?)?`)

// merge returns the merged form of a statement text (cached).
func (c *coalescer) merge(text string) merged {
	if m, ok := c.texts[text]; ok {
		return m
	}
	m := mergeText(text)
	if len(c.texts) >= maxMergedTexts {
		clear(c.texts)
	}
	c.texts[text] = m
	return m
}

// mergeText rewrites a statement to run once per row of unnest(<one array per placeholder>).
func mergeText(text string) merged {
	var m merged
	body := placeholder.ReplaceAllStringFunc(text, func(s string) string {
		sub := placeholder.FindStringSubmatch(s)
		n, _ := strconv.Atoi(sub[1])
		cast := strings.TrimPrefix(sub[2], "::")
		switch {
		case cast == "" || sub[3] != "":
			m.err = fmt.Errorf("placeholder %s has no scalar cast", s)
			return s
		case n < 1 || n > 1000:
			m.err = fmt.Errorf("placeholder %s out of range", s)
			return s
		}
		for len(m.casts) < n {
			m.casts = append(m.casts, "")
		}
		if m.casts[n-1] != "" && m.casts[n-1] != cast {
			m.err = fmt.Errorf("placeholder $%d is cast to both %s and %s", n, m.casts[n-1], cast)
		}
		m.casts[n-1] = cast
		return "k.a" + sub[1] + "::" + cast
	})
	if m.err != nil {
		return m
	}
	arrays := make([]string, len(m.casts))
	cols := make([]string, len(m.casts))
	for i, cast := range m.casts {
		if cast == "" {
			return merged{err: fmt.Errorf("placeholder $%d is never used", i+1)}
		}
		arrays[i] = "$" + strconv.Itoa(i+1) + "::" + cast + "[]"
		cols[i] = "a" + strconv.Itoa(i+1)
	}
	if len(arrays) == 0 {
		return merged{err: errors.New("no placeholders")}
	}
	m.sql = "SELECT k.i, r.* FROM unnest(" + strings.Join(arrays, ", ") + ") WITH ORDINALITY AS k(" + strings.Join(cols, ", ") + ", i)" +
		" CROSS JOIN LATERAL (" + body + ") AS r"
	return m
}

// ordinal decodes a row's position (bigint, in either wire format).
func ordinal(fd pgconn.FieldDescription, v []byte) (int64, error) {
	if fd.Format == pgtype.BinaryFormatCode {
		if len(v) != 8 {
			return 0, fmt.Errorf("%d bytes", len(v))
		}
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	return strconv.ParseInt(string(v), 10, 64)
}
