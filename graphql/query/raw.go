package query

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// RawFunc receives one row as Postgres sent it: vals[i] is the value of column i of the entity
// (e.Columns order) in the wire format fds[i] describes (nil for NULL). Both are valid only during
// the call. An error stops the read and is returned as is.
//
// The raw reads serve the handler's fast path, which writes a page of 100 rows as JSON straight
// from these bytes: scanning into models first costs an allocation per value and a model per row,
// several times the cost of the JSON itself.
type RawFunc func(fds []pgconn.FieldDescription, vals [][]byte) error

// ListRaw is List handing each row's raw values to fn; it returns the number of rows read. The
// statement, the checks and the errors are List's.
func ListRaw(ctx context.Context, en *Engine, e *catalog.Entity, a ListArgs, fn RawFunc) (int, error) {
	first, skip, err := en.limits.page(a.First, a.Skip)
	if err != nil {
		return 0, err
	}
	chain, at, err := en.scope(ctx, a.Block)
	if err != nil {
		return 0, err
	}
	st, err := listStmt(chain, at, e, a.Where, str(a.OrderBy), desc(a.OrderDirection), first, skip)
	if err != nil {
		return 0, err
	}
	return en.merger.query(ctx, en, st, fn)
}

// GetRaw is Get handing the row's raw values to fn; found is false when there is none.
func GetRaw(ctx context.Context, en *Engine, e *catalog.Entity, id string, block *model.BlockHeight, fn RawFunc) (found bool, err error) {
	bs, err := model.ParseBytes(id)
	if err != nil {
		return false, err
	}
	chain, at, err := en.scope(ctx, block)
	if err != nil {
		return false, err
	}
	n, err := en.merger.query(ctx, en, en.getStmt(chain, at, e, bs), fn)
	return n > 0, err
}

// scanRaw runs a statement and hands every row to fn.
func scanRaw(ctx context.Context, en *Engine, st Stmt, fn RawFunc) (int, error) {
	rows, ok, err := en.query(ctx, st)
	if err != nil || !ok {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := fn(rows.FieldDescriptions(), rows.RawValues()); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		if undefinedTable(err) {
			return 0, nil
		}
		return n, fmt.Errorf("reading rows: %w", err)
	}
	return n, nil
}
