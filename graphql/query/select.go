package query

import (
	"slices"
	"strings"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// listStmt builds the SELECT of a list field:
//
//	SELECT <columns> FROM <table> AS t0
//	WHERE t0.chain_id = $1 [AND <version at the block>] [AND <where>]
//	ORDER BY <keys> LIMIT <first> OFFSET <skip>
func listStmt(chain int64, at model.At, e *catalog.Entity, where map[string]any, orderBy string, isDesc bool, first, skip int) (Stmt, error) {
	b := newBuilder(chain, at)
	a := b.alias()
	w, err := b.where(a, e, where, 0)
	if err != nil {
		return Stmt{}, err
	}
	keys, err := b.sortKeys(a, e, orderBy)
	if err != nil {
		return Stmt{}, err
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + b.selectList(a, e) + " FROM " + table(e) + " AS " + a)
	sb.WriteString(" WHERE " + and(b.scope(a, e), b.viaCurrent(a, e, b.keyConds(e, where)), w))
	sb.WriteString(" ORDER BY " + orderBySQL(keys, isDesc))
	sb.WriteString(limitSQL(first, skip))
	return Stmt{SQL: sb.String(), Args: b.args}, nil
}

// getStmt is getStmt with the statement text of the latest state kept per entity: a lookup by id
// is the commonest request, and its text depends only on the entity (the id's parts are
// parameters, after the chain's). An id of the wrong length (which matches nothing) is built as
// usual.
func (en *Engine) getStmt(chain int64, at model.At, e *catalog.Entity, id []byte) Stmt {
	vals, ok := idParts(e, id)
	if !at.Latest || !ok {
		return getStmt(chain, at, e, id)
	}
	if sql, ok := en.gets.Load(e); ok {
		return Stmt{SQL: sql.(string), Args: append([]any{chain}, vals...)}
	}
	st := getStmt(chain, at, e, id)
	en.gets.Store(e, st.SQL)
	return st
}

// getStmt builds the SELECT of a singular field: the row with this id (at most one).
func getStmt(chain int64, at model.At, e *catalog.Entity, id []byte) Stmt {
	b := newBuilder(chain, at)
	a := b.alias()
	via := b.viaCurrent(a, e, func(c string) []string { return []string{b.idEq(c, e, id)} })
	sql := "SELECT " + b.selectList(a, e) + " FROM " + table(e) + " AS " + a +
		" WHERE " + and(b.scope(a, e), via, b.idEq(a, e, id)) + " LIMIT 1"
	return Stmt{SQL: sql, Args: b.args}
}

// pageStmt builds the SELECT of a connection page: first+1 rows after (or before) the cursor, in
// the paging direction, with the sort keys selected after the columns so that every row's cursor
// can be made. Before a cursor, rows are read in reverse and turned around by the caller.
func pageStmt(chain int64, at model.At, e *catalog.Entity, a PageArgs, first int) (Stmt, []sortKey, error) {
	b := newBuilder(chain, at)
	t := b.alias()
	w, err := b.where(t, e, a.Where, 0)
	if err != nil {
		return Stmt{}, nil, err
	}
	orderBy := str(a.OrderBy)
	keys, err := b.sortKeys(t, e, orderBy)
	if err != nil {
		return Stmt{}, nil, err
	}
	isDesc := desc(a.OrderDirection)
	var keyset string
	if c := str(a.After); c != "" {
		vals, err := decodeCursor(c, e, orderBy, keys)
		if err != nil {
			return Stmt{}, nil, err
		}
		keyset = b.keysetSQL(keys, vals, !isDesc)
	}
	if c := str(a.Before); c != "" {
		vals, err := decodeCursor(c, e, orderBy, keys)
		if err != nil {
			return Stmt{}, nil, err
		}
		keyset = and(keyset, b.keysetSQL(keys, vals, isDesc))
		isDesc = !isDesc // read backwards from the cursor
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + b.selectList(t, e) + keySelect(keys) + " FROM " + table(e) + " AS " + t)
	sb.WriteString(" WHERE " + and(b.scope(t, e), b.viaCurrent(t, e, b.keyConds(e, a.Where)), w, keyset))
	sb.WriteString(" ORDER BY " + orderBySQL(keys, isDesc))
	sb.WriteString(limitSQL(first+1, 0))
	return Stmt{SQL: sb.String(), Args: b.args, Keyset: keyset != ""}, keys, nil
}

// relatedStmt builds the batched read of a relation for many parents at once. For a to-one
// relation (args nil) it selects the targets whose key is one of the parents' references:
//
//	SELECT <columns> FROM <target> AS t0 WHERE <scope> AND (t0.k1, t0.k2) IN (SELECT * FROM unnest($a, $b))
//
// For a to-many relation it runs the list once per parent with a lateral join, so that first,
// skip, where and orderBy apply per parent, and selects the parent's ordinal first:
//
//	SELECT p.ord, c.* FROM unnest($a, $b) WITH ORDINALITY AS p(k0, k1, ord)
//	CROSS JOIN LATERAL (SELECT <columns> FROM <target> AS t0 WHERE <scope> AND t0.r0 = p.k0 AND ...
//	                    ORDER BY ... LIMIT .. OFFSET ..) AS c
func relatedStmt(chain int64, at model.At, rel *catalog.Relation, keyCols [][]any, args *ListArgs, first, skip int) (Stmt, error) {
	b := newBuilder(chain, at)
	target := rel.Target
	arrays := make([]string, len(rel.Remote))
	for i, rc := range rel.Remote {
		cast := sortCast(target.Column(rc))
		arrays[i] = b.arg(typedArray(cast, keyCols[i]), cast+"[]")
	}
	t := b.alias()
	if args == nil {
		var match string
		if len(arrays) == 1 {
			match = colName(t, rel.Remote[0]) + " = ANY(" + arrays[0] + ")"
		} else {
			cols := make([]string, len(rel.Remote))
			for i, rc := range rel.Remote {
				cols[i] = colName(t, rc)
			}
			match = "(" + strings.Join(cols, ", ") + ") IN (SELECT * FROM unnest(" + strings.Join(arrays, ", ") + "))"
		}
		via := b.viaCurrent(t, target, func(c string) []string { return []string{strings.ReplaceAll(match, t+".", c+".")} })
		sql := "SELECT " + b.selectList(t, target) + " FROM " + table(target) + " AS " + t + " WHERE " + and(b.scope(t, target), via, match)
		return Stmt{SQL: sql, Args: b.args}, nil
	}
	w, err := b.where(t, target, args.Where, 0)
	if err != nil {
		return Stmt{}, err
	}
	keys, err := b.sortKeys(t, target, str(args.OrderBy))
	if err != nil {
		return Stmt{}, err
	}
	pcols := make([]string, len(rel.Remote))
	joins := make([]string, len(rel.Remote))
	for i, rc := range rel.Remote {
		pcols[i] = "k" + itoa(i)
		joins[i] = colName(t, rc) + " = p." + pcols[i]
	}
	cols := make([]string, len(target.Columns))
	for i, c := range target.Columns {
		cols[i] = b.selectExpr(t, c) + " AS c" + itoa(i)
	}
	var sb strings.Builder
	sb.WriteString("SELECT p.ord, c.* FROM unnest(" + strings.Join(arrays, ", ") + ") WITH ORDINALITY AS p(" + strings.Join(pcols, ", ") + ", ord)")
	sb.WriteString(" CROSS JOIN LATERAL (SELECT " + strings.Join(cols, ", ") + " FROM " + table(target) + " AS " + t)
	via := b.viaCurrent(t, target, func(c string) []string {
		var cs []string
		for i, rc := range rel.Remote {
			if slices.Contains(target.Key, rc) {
				cs = append(cs, colName(c, rc)+" = p."+pcols[i])
			}
		}
		return cs
	})
	sb.WriteString(" WHERE " + and(append([]string{b.scope(t, target), via}, append(joins, w)...)...))
	sb.WriteString(" ORDER BY " + orderBySQL(keys, desc(args.OrderDirection)))
	sb.WriteString(limitSQL(first, skip) + ") AS c")
	return Stmt{SQL: sb.String(), Args: b.args}, nil
}
