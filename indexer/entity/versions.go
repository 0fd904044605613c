package entity

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// spec describes one versioned table to the generic load and flush code.
type spec[K comparable, V any] struct {
	// table is the table's name (a constant of this package).
	table string
	// columns are the COPY columns after id, in the order row returns values.
	columns []string
	// load selects the open versions of the ids in $1 (uuid[]), as scan reads them.
	load string
	// id returns a key's entity id (the id column).
	id func(chain int64, k K) pgtype.UUID
	// scan reads one row of load: the key, the value and lower(block_range).
	scan func(rows scanner) (K, V, int64, error)
	// row returns the COPY values of one version, without the id.
	row func(chain int64, k K, rng pgtype.Range[pgtype.Int8], v V) []any
}

// closeSQL bounds the open versions of the ids in $1 at the blocks in $2. The ANY restriction
// keeps the plan on the current-version index whatever the statistics say (a fresh table that
// grew by a million rows since the last ANALYZE must not be scanned once per key).
func closeSQL(table string) string {
	return `UPDATE ` + pgx.Identifier{table}.Sanitize() + ` AS t SET block_range = int8range(lower(t.block_range), u.upto)
FROM unnest($1::uuid[], $2::int8[]) AS u(id, upto)
WHERE t.id = u.id AND t.id = ANY($1::uuid[]) AND upper_inf(t.block_range)`
}

// removeSQL deletes the open versions of the ids in $1; used when a batch changes a key again in
// the block its open version starts in (a block split over two batches).
func removeSQL(table string) string {
	return `DELETE FROM ` + pgx.Identifier{table}.Sanitize() + ` WHERE id = ANY($1::uuid[]) AND upper_inf(block_range)`
}

// version is the value of a key from block from on (until the next version of the key).
type version[V any] struct {
	from int64
	val  V
}

// entry is what a batch knows about one key.
type entry[V any] struct {
	// val is the latest value; meaningful when exists.
	val V
	// exists reports that the entity has a value (loaded from the database or created here).
	exists bool
	// dbFrom is lower(block_range) of the key's open version in the database, -1 if none.
	dbFrom int64
	// versions are the versions this batch adds, in block order.
	versions []version[V]
}

// tracker holds the entries of one table for one batch.
type tracker[K comparable, V any] struct {
	spec    *spec[K, V]
	want    map[K]struct{} // keys to load in prepare
	m       map[K]*entry[V]
	touched []K // keys with new versions, in order of first change
	// observe records how long a statement on the table took (step: load, remove, close, copy).
	observe func(table, step string, d time.Duration)
}

func newTracker[K comparable, V any](s *spec[K, V], observe func(table, step string, d time.Duration)) *tracker[K, V] {
	return &tracker[K, V]{spec: s, want: map[K]struct{}{}, m: map[K]*entry[V]{}, observe: observe}
}

func (t *tracker[K, V]) since(step string, t0 time.Time) {
	t.observe(t.spec.table, step, time.Since(t0))
}

// need marks k to be loaded by load.
func (t *tracker[K, V]) need(k K) {
	if _, ok := t.m[k]; !ok {
		t.want[k] = struct{}{}
	}
}

// load reads the open versions of every key marked by need (and not loaded yet).
func (t *tracker[K, V]) load(ctx context.Context, tx pgx.Tx, chain int64) error {
	if len(t.want) == 0 {
		return nil
	}
	keys := make([]K, 0, len(t.want))
	for k := range t.want {
		keys = append(keys, k)
	}
	clear(t.want)
	return t.loadKeys(ctx, tx, chain, keys)
}

// chunk is how many ids one statement takes. The plans of id = ANY($1) stay on the current-version
// index for arrays this size; with tens of thousands of ids the planner prefers to scan every
// current version, a cost that grows with the table rather than with the batch.
const chunk = 1000

func (t *tracker[K, V]) loadKeys(ctx context.Context, tx pgx.Tx, chain int64, keys []K) error {
	ids := t.ids(chain, keys)
	for i := 0; i < len(ids); i += chunk {
		if err := t.loadQuery(ctx, tx, t.spec.load, []any{ids[i:min(i+chunk, len(ids))]}); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if _, ok := t.m[k]; !ok {
			t.m[k] = &entry[V]{dbFrom: -1}
		}
	}
	return nil
}

// loadQuery adds the open versions a query returns (in the shape spec.scan reads) to the
// entries; keys already known keep what the batch made of them.
func (t *tracker[K, V]) loadQuery(ctx context.Context, tx pgx.Tx, query string, args []any) error {
	defer t.since("load", time.Now())
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("loading %s: %w", t.spec.table, err)
	}
	defer rows.Close()
	for rows.Next() {
		k, v, from, err := t.spec.scan(rows)
		if err != nil {
			return fmt.Errorf("loading %s: %w", t.spec.table, err)
		}
		if _, ok := t.m[k]; !ok {
			t.m[k] = &entry[V]{val: v, exists: true, dbFrom: from}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("loading %s: %w", t.spec.table, err)
	}
	return nil
}

func (t *tracker[K, V]) ids(chain int64, keys []K) []pgtype.UUID {
	ids := make([]pgtype.UUID, len(keys))
	for i, k := range keys {
		ids[i] = t.spec.id(chain, k)
	}
	return ids
}

// get returns k's entry, loading it if prepare did not (a key only the apply step discovers).
func (t *tracker[K, V]) get(ctx context.Context, tx pgx.Tx, chain int64, k K) (*entry[V], error) {
	if e, ok := t.m[k]; ok {
		return e, nil
	}
	if err := t.loadKeys(ctx, tx, chain, []K{k}); err != nil {
		return nil, err
	}
	return t.m[k], nil
}

// put records v as k's value at the end of block (so far): a second change in the same block
// replaces the version the first one made.
func (t *tracker[K, V]) put(k K, e *entry[V], block int64, v V) {
	e.val, e.exists = v, true
	n := len(e.versions)
	switch {
	case n > 0 && e.versions[n-1].from == block:
		e.versions[n-1].val = v
	default:
		if n == 0 {
			t.touched = append(t.touched, k)
		}
		e.versions = append(e.versions, version[V]{from: block, val: v})
	}
}

// flush writes the batch's versions: it deletes open versions replaced within their own block,
// closes the other open versions that got a successor, and copies every new version in.
func (t *tracker[K, V]) flush(ctx context.Context, tx pgx.Tx, chain int64) (int, error) {
	if len(t.touched) == 0 {
		return 0, nil
	}
	var closeKeys, removeKeys []K
	var closeAt []int64
	type rowAt struct {
		from int64
		vals []any
	}
	rows := make([]rowAt, 0, len(t.touched))
	for _, k := range t.touched {
		e := t.m[k]
		first := e.versions[0].from
		switch {
		case e.dbFrom < 0:
		case e.dbFrom < first:
			closeKeys = append(closeKeys, k)
			closeAt = append(closeAt, first)
		case e.dbFrom == first:
			removeKeys = append(removeKeys, k)
		default:
			return 0, fmt.Errorf("%s: the open version starts at block %d, after this batch's change at %d: events out of order", t.spec.table, e.dbFrom, first)
		}
		for i, v := range e.versions {
			rng := pgtype.Range[pgtype.Int8]{
				Lower:     pgtype.Int8{Int64: v.from, Valid: true},
				LowerType: pgtype.Inclusive,
				UpperType: pgtype.Unbounded,
				Valid:     true,
			}
			if i+1 < len(e.versions) {
				rng.Upper = pgtype.Int8{Int64: e.versions[i+1].from, Valid: true}
				rng.UpperType = pgtype.Exclusive
			}
			rows = append(rows, rowAt{from: v.from, vals: append([]any{t.spec.id(chain, k)}, t.spec.row(chain, k, rng, v.val)...)})
		}
	}
	if len(removeKeys) > 0 {
		t0 := time.Now()
		ids := t.ids(chain, removeKeys)
		if _, err := execChunks(ctx, tx, removeSQL(t.spec.table), len(ids), func(i, j int) []any { return []any{ids[i:j]} }); err != nil {
			return 0, fmt.Errorf("replacing versions of %s: %w", t.spec.table, err)
		}
		t.since("remove", t0)
	}
	if len(closeKeys) > 0 {
		t0 := time.Now()
		ids := t.ids(chain, closeKeys)
		n, err := execChunks(ctx, tx, closeSQL(t.spec.table), len(ids), func(i, j int) []any { return []any{ids[i:j], closeAt[i:j]} })
		if err != nil {
			return 0, fmt.Errorf("closing versions of %s: %w", t.spec.table, err)
		}
		if n != int64(len(closeKeys)) {
			return 0, fmt.Errorf("closing versions of %s: %d rows closed, want %d", t.spec.table, n, len(closeKeys))
		}
		t.since("close", t0)
	}
	// Block order keeps the heap, and so the BRIN index rollbacks use, in step with block_range.
	slices.SortStableFunc(rows, func(a, b rowAt) int { return int(a.from - b.from) })
	vals := make([][]any, len(rows))
	for i := range rows {
		vals[i] = rows[i].vals
	}
	cols := append([]string{"id"}, t.spec.columns...)
	defer t.since("copy", time.Now())
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.spec.table}, cols, pgx.CopyFromRows(vals)); err != nil {
		return 0, fmt.Errorf("copying versions into %s: %w", t.spec.table, err)
	}
	return len(vals), nil
}

// execChunks runs sql once per chunk of n ids, all in one round trip, and returns the rows affected.
func execChunks(ctx context.Context, tx pgx.Tx, sql string, n int, args func(i, j int) []any) (int64, error) {
	bt := &pgx.Batch{}
	for i := 0; i < n; i += chunk {
		bt.Queue(sql, args(i, min(i+chunk, n))...)
	}
	res := tx.SendBatch(ctx, bt)
	var total int64
	for range bt.Len() {
		tag, err := res.Exec()
		if err != nil {
			res.Close()
			return total, err
		}
		total += tag.RowsAffected()
	}
	return total, res.Close()
}

// scanner is a row to scan: pgx.Rows and pgx.CollectableRow both are.
type scanner interface {
	Scan(dest ...any) error
}
