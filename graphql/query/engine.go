package query

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// DB is what the engine reads through: a *pgxpool.Pool on the primary or a read replica.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Engine runs the catalog's queries for one chain.
type Engine struct {
	db     DB
	cat    *catalog.Catalog
	limits Limits

	mu    sync.Mutex
	chain int64 // 0 until known

	gets   sync.Map   // *catalog.Entity → the SQL of its lookup by id in the latest state
	merger *coalescer // merges concurrent raw reads of one statement text (coalesce.go)
	keyset DB         // keyset pages' pool (generic plans); nil: db
}

// NewEngine returns an engine on db. chainID selects the chain to serve; 0 serves the only chain in
// indexer_chains (found on first use, an error while there are several).
func NewEngine(db DB, cat *catalog.Catalog, chainID int64, limits Limits) *Engine {
	limits = limits.withDefaults()
	return &Engine{db: db, cat: cat, chain: chainID, limits: limits, merger: newCoalescer(limits.CoalesceSlots)}
}

// OnMerge sets a function called with the number of reads each merged statement answers
// (coalesce.go), for metrics. Call it before the engine serves.
func (en *Engine) OnMerge(f func(reads int)) { en.merger.onMerge = f }

// SetKeysetDB has pages after a cursor read through db, a pool of the same database whose
// sessions use generic plans (store.PoolConfig.GenericPlans). Postgres otherwise plans a keyset
// statement again at every execution: its custom plans prune partitions by the cursor's block, so
// the generic plan always looks dearer, and the planning costs a page after a cursor about a
// quarter more than the first page. A generic plan prunes the same partitions when it runs. Call
// it before the engine serves.
func (en *Engine) SetKeysetDB(db DB) { en.keyset = db }

// Catalog returns the engine's catalog.
func (en *Engine) Catalog() *catalog.Catalog { return en.cat }

// Limits returns the engine's list limits.
func (en *Engine) Limits() Limits { return en.limits }

// ErrNoChain is returned while nothing is indexed yet.
var ErrNoChain = model.Errorf("nothing is indexed yet")

// Chain returns the chain id served.
func (en *Engine) Chain(ctx context.Context) (int64, error) {
	en.mu.Lock()
	c := en.chain
	en.mu.Unlock()
	if c != 0 {
		return c, nil
	}
	rows, err := en.db.Query(ctx, `SELECT chain_id FROM indexer_chains ORDER BY chain_id LIMIT 2`)
	if err != nil {
		return 0, fmt.Errorf("reading indexed chains: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("reading indexed chains: %w", err)
	}
	switch len(ids) {
	case 0:
		return 0, ErrNoChain
	case 1:
		en.mu.Lock()
		en.chain = ids[0]
		en.mu.Unlock()
		return ids[0], nil
	}
	return 0, errors.New("several chains are indexed: configure the chain id to serve")
}

// RowPtr is a pointer to a generated model.
type RowPtr[T any] interface {
	*T
	model.Row
}

// scope resolves the chain and the block argument.
func (en *Engine) scope(ctx context.Context, block *model.BlockHeight) (int64, model.At, error) {
	chain, err := en.Chain(ctx)
	if err != nil {
		return 0, model.At{}, err
	}
	at, err := en.ResolveBlock(ctx, chain, block)
	return chain, at, err
}

// query runs a statement. A missing table means the indexer has not created the event tables yet
// (it does so at its start): that reads as no rows.
func (en *Engine) query(ctx context.Context, st Stmt) (pgx.Rows, bool, error) {
	db := en.db
	if st.Keyset && en.keyset != nil {
		db = en.keyset
	}
	rows, err := db.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		if undefinedTable(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("querying: %w", err)
	}
	return rows, true, nil
}

func undefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}

// List runs a list field.
func List[T any, P RowPtr[T]](ctx context.Context, en *Engine, e *catalog.Entity, a ListArgs) ([]*T, error) {
	first, skip, err := en.limits.page(a.First, a.Skip)
	if err != nil {
		return nil, err
	}
	chain, at, err := en.scope(ctx, a.Block)
	if err != nil {
		return nil, err
	}
	st, err := listStmt(chain, at, e, a.Where, str(a.OrderBy), desc(a.OrderDirection), first, skip)
	if err != nil {
		return nil, err
	}
	return scanAll[T, P](ctx, en, st, at, first, nil)
}

// Get runs a singular field: the entity with this id, or nil.
func Get[T any, P RowPtr[T]](ctx context.Context, en *Engine, e *catalog.Entity, id string, block *model.BlockHeight) (*T, error) {
	bs, err := model.ParseBytes(id)
	if err != nil {
		return nil, err
	}
	chain, at, err := en.scope(ctx, block)
	if err != nil {
		return nil, err
	}
	rows, err := scanAll[T, P](ctx, en, en.getStmt(chain, at, e, bs), at, 1, nil)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// scanAll reads rows into models; extra, when set, receives the targets of each row's trailing
// columns (sort keys).
func scanAll[T any, P RowPtr[T]](ctx context.Context, en *Engine, st Stmt, at model.At, capHint int, extra func() []any) ([]*T, error) {
	rows, err := scanRows(ctx, en, st, at, capHint, func() model.Row { return P(new(T)) }, extra)
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(rows))
	for i, r := range rows {
		out[i] = (*T)(r.(P))
	}
	return out, nil
}

// scanRows reads rows into models made by newRow.
func scanRows(ctx context.Context, en *Engine, st Stmt, at model.At, capHint int, newRow func() model.Row, extra func() []any) ([]model.Row, error) {
	rows, ok, err := en.query(ctx, st)
	if err != nil || !ok {
		return []model.Row{}, err
	}
	defer rows.Close()
	out := make([]model.Row, 0, min(capHint, 1024))
	for rows.Next() {
		r := newRow()
		targets := r.ScanTargets()
		if extra != nil {
			targets = append(targets, extra()...)
		}
		if err := rows.Scan(targets...); err != nil {
			return nil, fmt.Errorf("scanning: %w", err)
		}
		r.SetQueryAt(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		if undefinedTable(err) {
			return []model.Row{}, nil
		}
		return nil, fmt.Errorf("reading rows: %w", err)
	}
	return out, nil
}

// ListRows is List for a caller that knows the entity only at run time (the handler's fast path):
// newRow makes an empty model of the entity.
func ListRows(ctx context.Context, en *Engine, e *catalog.Entity, a ListArgs, newRow func() model.Row) ([]model.Row, error) {
	first, skip, err := en.limits.page(a.First, a.Skip)
	if err != nil {
		return nil, err
	}
	chain, at, err := en.scope(ctx, a.Block)
	if err != nil {
		return nil, err
	}
	st, err := listStmt(chain, at, e, a.Where, str(a.OrderBy), desc(a.OrderDirection), first, skip)
	if err != nil {
		return nil, err
	}
	return scanRows(ctx, en, st, at, first, newRow, nil)
}

// GetRow is Get for a caller that knows the entity only at run time; nil when there is none.
func GetRow(ctx context.Context, en *Engine, e *catalog.Entity, id string, block *model.BlockHeight, newRow func() model.Row) (model.Row, error) {
	bs, err := model.ParseBytes(id)
	if err != nil {
		return nil, err
	}
	chain, at, err := en.scope(ctx, block)
	if err != nil {
		return nil, err
	}
	rows, err := scanRows(ctx, en, en.getStmt(chain, at, e, bs), at, 1, newRow, nil)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// Page is one page of a connection.
type Page[T any] struct {
	Rows    []*T
	Cursors []string
	Info    model.PageInfo
}

// Paginate runs a connection field: keyset pagination, as fast at any depth as on the first page
// when the order is served by an index (the default order and blockNumber/blockTimestamp of
// events are the primary key's).
func Paginate[T any, P RowPtr[T]](ctx context.Context, en *Engine, e *catalog.Entity, a PageArgs) (Page[T], error) {
	p, err := PaginateRows(ctx, en, e, a, func() model.Row { return P(new(T)) })
	if err != nil {
		return Page[T]{}, err
	}
	out := Page[T]{Rows: make([]*T, len(p.Rows)), Cursors: p.Cursors, Info: p.Info}
	for i, r := range p.Rows {
		out.Rows[i] = (*T)(r.(P))
	}
	return out, nil
}

// RowPage is a Page of rows of an entity known at run time.
type RowPage struct {
	Rows    []model.Row
	Cursors []string
	Info    model.PageInfo
}

// PaginateRows is Paginate for a caller that knows the entity only at run time.
func PaginateRows(ctx context.Context, en *Engine, e *catalog.Entity, a PageArgs, newRow func() model.Row) (RowPage, error) {
	first, _, err := en.limits.page(a.First, nil)
	if err != nil {
		return RowPage{}, err
	}
	chain, at, err := en.scope(ctx, a.Block)
	if err != nil {
		return RowPage{}, err
	}
	st, keys, err := pageStmt(chain, at, e, a, first)
	if err != nil {
		return RowPage{}, err
	}
	var keyVals [][]any
	rows, err := scanRows(ctx, en, st, at, first+1, newRow, func() []any {
		t := keyTargets(keys)
		keyVals = append(keyVals, t)
		return t
	})
	if err != nil {
		return RowPage{}, err
	}
	more := len(rows) > first
	if more {
		rows, keyVals = rows[:first], keyVals[:first]
	}
	backward := str(a.Before) != ""
	if backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
			keyVals[i], keyVals[j] = keyVals[j], keyVals[i]
		}
	}
	p := RowPage{Rows: rows, Cursors: make([]string, len(rows))}
	for i, kv := range keyVals {
		vals := make([]any, len(kv))
		for j, t := range kv {
			vals[j] = deref(t)
		}
		p.Cursors[i] = encodeCursor(e, str(a.OrderBy), vals)
	}
	if backward {
		p.Info.HasPreviousPage, p.Info.HasNextPage = more, true
	} else {
		p.Info.HasNextPage, p.Info.HasPreviousPage = more, str(a.After) != ""
	}
	if n := len(p.Cursors); n > 0 {
		p.Info.StartCursor, p.Info.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	return p, nil
}

// Aggregate runs an aggregate field into the generated <Entity>Aggregate rows.
func Aggregate[T any, P interface {
	*T
	AggregateRow
}](ctx context.Context, en *Engine, e *catalog.Entity, a AggregateArgs) ([]*T, error) {
	first, skip, err := en.limits.page(a.First, a.Skip)
	if err != nil {
		return nil, err
	}
	chain, at, err := en.scope(ctx, a.Block)
	if err != nil {
		return nil, err
	}
	st, cols, err := aggregateStmt(chain, at, e, a, first, skip)
	if err != nil {
		return nil, err
	}
	rows, ok, err := en.query(ctx, st)
	if err != nil {
		return nil, err
	}
	out := []*T{}
	if !ok {
		if len(a.GroupBy) == 0 && str(a.Interval) == "" {
			v := new(T)
			fillAggregate(P(v), nil, nil)
			P(v).SetAggregate("", "count", model.Int8(0))
			out = append(out, v)
		}
		return out, nil
	}
	defer rows.Close()
	for rows.Next() {
		t := aggTargets(cols)
		if err := rows.Scan(t...); err != nil {
			return nil, fmt.Errorf("scanning aggregate: %w", err)
		}
		v := new(T)
		fillAggregate(P(v), cols, t)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading aggregate: %w", err)
	}
	return out, nil
}
