package query

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// RelKey is the key of a parent's relation: its local columns' values, as one string. ok is false
// when one of them is NULL (the relation is then null or empty).
func RelKey(rel *catalog.Relation, parent model.Row) (key string, ok bool) {
	return rowKey(rel.Local, parent)
}

func rowKey(cols []string, r model.Row) (string, bool) {
	var sb strings.Builder
	for i, c := range cols {
		v, ok := keyValue(r.ColumnValue(c))
		if !ok {
			return "", false
		}
		if i > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString(v)
	}
	return sb.String(), true
}

// keyValue renders a column value as text for keys and array parameters.
func keyValue(v any) (string, bool) {
	switch x := v.(type) {
	case model.Bytes:
		if x == nil {
			return "", false
		}
		return hex.EncodeToString(x), true
	case model.BigInt:
		return string(x), x != ""
	case *model.BigInt:
		if x == nil {
			return "", false
		}
		return string(*x), true
	case int:
		return strconv.Itoa(x), true
	case *int:
		if x == nil {
			return "", false
		}
		return strconv.Itoa(*x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case string:
		return x, true
	case *string:
		if x == nil {
			return "", false
		}
		return *x, true
	}
	return "", false
}

// parentKeys collects the distinct keys of the parents, as one array of values per local column.
func parentKeys(rel *catalog.Relation, parents []model.Row) (keys []string, cols [][]any) {
	cols = make([][]any, len(rel.Local))
	seen := map[string]bool{}
	for _, p := range parents {
		k, ok := RelKey(rel, p)
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		for i, c := range rel.Local {
			v, _ := keyValue(p.ColumnValue(c))
			if cast := sortCast(rel.Target.Column(rel.Remote[i])); cast == "bytea" {
				bs, _ := hex.DecodeString(v)
				cols[i] = append(cols[i], bs)
			} else {
				cols[i] = append(cols[i], v)
			}
		}
	}
	return keys, cols
}

// RelatedOne reads a to-one relation for many parents in one statement and returns the targets by
// parent key (RelKey).
func RelatedOne[T any, P RowPtr[T]](ctx context.Context, en *Engine, rel *catalog.Relation, at model.At, parents []model.Row) (map[string]*T, error) {
	out := map[string]*T{}
	keys, cols := parentKeys(rel, parents)
	if len(keys) == 0 {
		return out, nil
	}
	chain, err := en.Chain(ctx)
	if err != nil {
		return nil, err
	}
	st, err := relatedStmt(chain, at, rel, cols, nil, 0, 0)
	if err != nil {
		return nil, err
	}
	rows, err := scanAll[T, P](ctx, en, st, at, len(keys), nil)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", rel.Target.Name, err)
	}
	for _, r := range rows {
		if k, ok := rowKey(rel.Remote, P(r)); ok {
			out[k] = r
		}
	}
	return out, nil
}

// RelatedMany reads a to-many relation for many parents in one statement (first, skip, where and
// orderBy apply to each parent's list) and returns the lists by parent key.
func RelatedMany[T any, P RowPtr[T]](ctx context.Context, en *Engine, rel *catalog.Relation, at model.At, parents []model.Row, a ListArgs) (map[string][]*T, error) {
	out := map[string][]*T{}
	first, skip, err := en.limits.page(a.First, a.Skip)
	if err != nil {
		return nil, err
	}
	keys, cols := parentKeys(rel, parents)
	if len(keys) == 0 || first == 0 {
		return out, nil
	}
	chain, err := en.Chain(ctx)
	if err != nil {
		return nil, err
	}
	st, err := relatedStmt(chain, at, rel, cols, &a, first, skip)
	if err != nil {
		return nil, err
	}
	var ords []int64
	rows, err := scanAllPrefixed[T, P](ctx, en, st, at, &ords)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", rel.Target.Name, err)
	}
	for i, r := range rows {
		k := keys[ords[i]-1]
		out[k] = append(out[k], r)
	}
	return out, nil
}

// scanAllPrefixed is scanAll for rows that start with the parent's ordinal. The lateral join
// returns each parent's rows in the order of its inner ORDER BY (the join is a nested loop over
// the parents: a lateral subquery with a LIMIT cannot be hashed or merged).
func scanAllPrefixed[T any, P RowPtr[T]](ctx context.Context, en *Engine, st Stmt, at model.At, ords *[]int64) ([]*T, error) {
	rows, ok, err := en.query(ctx, st)
	if err != nil || !ok {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v := new(T)
		p := P(v)
		var ord int64
		if err := rows.Scan(append([]any{&ord}, p.ScanTargets()...)...); err != nil {
			return nil, fmt.Errorf("scanning: %w", err)
		}
		p.SetQueryAt(at)
		out = append(out, v)
		*ords = append(*ords, ord)
	}
	return out, rows.Err()
}
