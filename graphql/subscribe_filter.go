package graphql

import (
	"bytes"
	"cmp"
	"math/big"
	"regexp"
	"slices"
	"strconv"

	gql "github.com/99designs/gqlgen/graphql"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// rowFilter is a subscription's where filter compiled for evaluation in Go against the rows a
// commit added to its event table (subscribe_filter_scan.go), so that a group none of those rows
// matches is not re-read. It answers "may match" or "does not match", and must never answer the
// latter for a row the SQL of graphql/query/where.go would select: whatever it does not fully
// understand (relation filters, text patterns, ids, lists, computed columns, nulls, values it
// cannot parse exactly as the generated resolvers do) is "may match".
type rowFilter struct {
	root rowPred
	// cols are the columns the leaves read (each once, by name): what a scan must select.
	cols []*catalog.Column
}

// predKind is the shape of one node of a compiled filter.
type predKind uint8

const (
	predMaybe predKind = iota // may match any row: TRUE in SQL, or not understood
	predNever                 // matches no row (a constant condition that is FALSE in SQL)
	predAnd
	predOr
	predCmp // one operator on one column
)

type rowPred struct {
	kind predKind
	kids []rowPred
	col  string
	want cellKind
	op   catalog.Op
	vals []cell // the operand, or the items of _in and _not_in
}

// cellKind is the kind of a value read from a row or parsed from a filter.
type cellKind uint8

const (
	cellUnknown cellKind = iota // not understood (a NaN numeric, an unexpected type)
	cellNull
	cellNum
	cellBytes
	cellText
	cellBool
)

// cell is one value: a number is n, or r when it is beyond int64 or not whole.
type cell struct {
	kind cellKind
	n    int64
	r    *big.Rat
	b    []byte
	s    string
	t    bool
}

// maxLiveFilterDepth bounds the nesting evaluated, as graphql/query does (deeper is an error there).
const maxLiveFilterDepth = 8

// compileFilter compiles the where argument of a subscription on entity e. It returns nil when
// there is nothing to decide in Go: no filter, or one that may match whatever the row.
func compileFilter(e *catalog.Entity, where any) *rowFilter {
	w, ok := where.(map[string]any)
	if !ok || len(w) == 0 {
		return nil
	}
	root := compileWhere(e, w, 0)
	if root.kind == predMaybe {
		return nil
	}
	f := &rowFilter{root: root}
	seen := map[string]bool{}
	var walk func(p *rowPred)
	walk = func(p *rowPred) {
		if p.kind == predCmp && !seen[p.col] {
			seen[p.col] = true
			f.cols = append(f.cols, e.Column(p.col))
		}
		for i := range p.kids {
			walk(&p.kids[i])
		}
	}
	walk(&f.root)
	slices.SortFunc(f.cols, func(a, b *catalog.Column) int { return cmp.Compare(a.Name, b.Name) })
	return f
}

// compileWhere compiles one filter object: the AND of its keys.
func compileWhere(e *catalog.Entity, w map[string]any, depth int) rowPred {
	if depth > maxLiveFilterDepth {
		return rowPred{kind: predMaybe}
	}
	var kids []rowPred
	for k, v := range w {
		switch k {
		case "and", "or":
			kids = append(kids, compileJunction(e, k, v, depth))
		case "_change_block":
			kids = append(kids, rowPred{kind: predMaybe})
		default:
			f, ok := e.Filter(k)
			if !ok {
				return rowPred{kind: predMaybe} // the query fails anyway
			}
			kids = append(kids, compileCond(f, v))
		}
	}
	return allOf(kids)
}

// compileJunction compiles and/or over a list of filters (a single filter counts as a list of one,
// as GraphQL's input coercion has it). An empty list is TRUE in SQL, as in graphql/query.
func compileJunction(e *catalog.Entity, op string, v any, depth int) rowPred {
	items := gql.CoerceList(v)
	if items == nil {
		return rowPred{kind: predMaybe}
	}
	kids := make([]rowPred, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return rowPred{kind: predMaybe}
		}
		kids = append(kids, compileWhere(e, m, depth+1))
	}
	if op == "and" {
		return allOf(kids)
	}
	return anyOf(kids)
}

func allOf(kids []rowPred) rowPred {
	out := make([]rowPred, 0, len(kids))
	for _, k := range kids {
		switch k.kind {
		case predNever:
			return k
		case predMaybe:
			continue
		}
		out = append(out, k)
	}
	switch len(out) {
	case 0:
		return rowPred{kind: predMaybe}
	case 1:
		return out[0]
	}
	return rowPred{kind: predAnd, kids: out}
}

func anyOf(kids []rowPred) rowPred {
	out := make([]rowPred, 0, len(kids))
	for _, k := range kids {
		switch k.kind {
		case predMaybe:
			return k
		case predNever:
			continue
		}
		out = append(out, k)
	}
	switch {
	case len(kids) == 0:
		return rowPred{kind: predMaybe}
	case len(out) == 0:
		return rowPred{kind: predNever}
	case len(out) == 1:
		return out[0]
	}
	return rowPred{kind: predOr, kids: out}
}

// compileCond compiles one where key: an operator on a plain scalar column, or on the constant
// eventType; anything else may match.
func compileCond(f catalog.Filter, v any) rowPred {
	maybe := rowPred{kind: predMaybe}
	fl := f.Field
	switch {
	case v == nil, f.Op == catalog.OpNested, fl.IsID, fl.List:
		return maybe
	case fl.Const != "":
		return constPred(fl, f.Op, v)
	case fl.Col == nil, fl.Col.SQL != "", fl.Col.List:
		return maybe
	}
	kind := columnKind(fl.Col.SQLType)
	if !evaluable(kind, f.Op) {
		return maybe
	}
	var raw []any
	if f.Op.TakesList() {
		raw = gql.CoerceList(v) // v is not nil: a nil result is an empty list
	} else {
		raw = []any{v}
	}
	vals := make([]cell, 0, len(raw))
	for _, it := range raw {
		c, ok := filterOperand(fl.Type, it)
		if !ok || c.kind != kind {
			return maybe
		}
		vals = append(vals, c)
	}
	return rowPred{kind: predCmp, col: fl.Col.Name, want: kind, op: f.Op, vals: vals}
}

// constPred decides a filter on a constant field as graphql/query's constCond does.
func constPred(fl *catalog.Field, op catalog.Op, v any) rowPred {
	var raw []any
	switch op {
	case catalog.OpEq, catalog.OpNot:
		raw = []any{v}
	case catalog.OpIn, catalog.OpNotIn:
		raw = gql.CoerceList(v)
	default:
		return rowPred{kind: predMaybe}
	}
	match := false
	for _, it := range raw {
		s, err := gql.UnmarshalString(it)
		if it == nil || err != nil {
			return rowPred{kind: predMaybe}
		}
		match = match || s == fl.Const
	}
	if op == catalog.OpNot || op == catalog.OpNotIn {
		match = !match
	}
	if match {
		return rowPred{kind: predMaybe}
	}
	return rowPred{kind: predNever}
}

// columnKind is the kind of cell a column is scanned into (cellUnknown: not evaluated).
func columnKind(sqlType string) cellKind {
	switch sqlType {
	case "numeric", "int8", "int4", "int2":
		return cellNum
	case "bytea":
		return cellBytes
	case "text":
		return cellText
	case "boolean":
		return cellBool
	}
	return cellUnknown
}

// evaluable reports the operators evaluated exactly: equality and lists for every kind, order for
// numbers and bytes (bytea's order is bytes.Compare's; text's depends on the collation).
func evaluable(k cellKind, op catalog.Op) bool {
	switch op {
	case catalog.OpEq, catalog.OpNot, catalog.OpIn, catalog.OpNotIn:
		return k != cellUnknown
	case catalog.OpGt, catalog.OpLt, catalog.OpGte, catalog.OpLte:
		return k == cellNum || k == cellBytes
	}
	return false
}

// filterOperand parses a filter value with the unmarshaller the generated resolvers use for the
// field's GraphQL type, so that it means what the SQL compares.
func filterOperand(t catalog.Scalar, v any) (cell, bool) {
	if v == nil {
		return cell{}, false
	}
	switch t {
	case catalog.BigInt:
		var n model.BigInt
		if n.UnmarshalGQL(v) != nil {
			return cell{}, false
		}
		return parseNum(string(n))
	case catalog.BigDecimal:
		var d model.BigDecimal
		if d.UnmarshalGQL(v) != nil {
			return cell{}, false
		}
		return parseNum(string(d))
	case catalog.Int8:
		var n model.Int8
		if n.UnmarshalGQL(v) != nil {
			return cell{}, false
		}
		return cell{kind: cellNum, n: int64(n)}, true
	case catalog.Int:
		n, err := gql.UnmarshalInt(v)
		return cell{kind: cellNum, n: int64(n)}, err == nil
	case catalog.Bytes:
		var b model.Bytes
		if b.UnmarshalGQL(v) != nil {
			return cell{}, false
		}
		return cell{kind: cellBytes, b: b}, true
	case catalog.String:
		s, err := gql.UnmarshalString(v)
		return cell{kind: cellText, s: s}, err == nil
	case catalog.Boolean:
		b, err := gql.UnmarshalBoolean(v)
		return cell{kind: cellBool, t: b}, err == nil
	}
	return cell{}, false
}

// decimalRE is the decimal text parseNum accepts: Postgres' numeric output and the BigInt and
// BigDecimal scalars' input (exponents bounded, so that a value cannot cost a huge allocation).
var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?$`)

// parseNum parses decimal text exactly (a whole number within int64 without allocating).
func parseNum(s string) (cell, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return cell{kind: cellNum, n: n}, true
	}
	if !decimalRE.MatchString(s) {
		return cell{}, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return cell{}, false
	}
	return cell{kind: cellNum, r: r}, true
}

func (c *cell) rat() *big.Rat {
	if c.r != nil {
		return c.r
	}
	return new(big.Rat).SetInt64(c.n)
}

// compareCells orders two cells of one kind; text and booleans only ever compare equal or not.
func compareCells(a, b *cell) int {
	switch a.kind {
	case cellNum:
		if a.r == nil && b.r == nil {
			return cmp.Compare(a.n, b.n)
		}
		return a.rat().Cmp(b.rat())
	case cellBytes:
		return bytes.Compare(a.b, b.b)
	case cellText:
		if a.s == b.s {
			return 0
		}
	case cellBool:
		if a.t == b.t {
			return 0
		}
	}
	return 1
}

// mayMatch evaluates the filter on one row; idx maps column names to the row's cells.
func (f *rowFilter) mayMatch(row []cell, idx map[string]int) bool {
	return f.root.eval(row, idx)
}

// mayMatchAny reports whether any of the rows may match.
func (f *rowFilter) mayMatchAny(t *tableRows) bool {
	for _, row := range t.rows {
		if f.root.eval(row, t.idx) {
			return true
		}
	}
	return false
}

func (p *rowPred) eval(row []cell, idx map[string]int) bool {
	switch p.kind {
	case predNever:
		return false
	case predAnd:
		for i := range p.kids {
			if !p.kids[i].eval(row, idx) {
				return false
			}
		}
		return true
	case predOr:
		for i := range p.kids {
			if p.kids[i].eval(row, idx) {
				return true
			}
		}
		return false
	case predCmp:
		i, ok := idx[p.col]
		if !ok || row[i].kind != p.want {
			return true // not read, NULL or not understood
		}
		return p.test(&row[i])
	}
	return true
}

// test applies the operator to a value of the expected kind.
func (p *rowPred) test(c *cell) bool {
	switch p.op {
	case catalog.OpEq:
		return compareCells(c, &p.vals[0]) == 0
	case catalog.OpNot:
		return compareCells(c, &p.vals[0]) != 0
	case catalog.OpGt:
		return compareCells(c, &p.vals[0]) > 0
	case catalog.OpLt:
		return compareCells(c, &p.vals[0]) < 0
	case catalog.OpGte:
		return compareCells(c, &p.vals[0]) >= 0
	case catalog.OpLte:
		return compareCells(c, &p.vals[0]) <= 0
	case catalog.OpIn, catalog.OpNotIn:
		in := false
		for i := range p.vals {
			if compareCells(c, &p.vals[i]) == 0 {
				in = true
				break
			}
		}
		return in == (p.op == catalog.OpIn)
	}
	return true
}
