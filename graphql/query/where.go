package query

import (
	"encoding/binary"
	"math/big"
	"slices"
	"strings"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// maxFilterDepth bounds nesting of and/or and relation filters (the query depth limit applies
// to selections, not to argument values).
const maxFilterDepth = 8

// where compiles a TheGraph where argument for alias a of entity e into one boolean expression.
// Keys are visited in sorted order so that one filter shape always gives the same SQL (and reuses
// one prepared statement).
func (b *builder) where(a string, e *catalog.Entity, w map[string]any, depth int) (string, error) {
	if len(w) == 0 {
		return "", nil
	}
	if depth > maxFilterDepth {
		return "", model.Errorf("filters are nested more than %d levels deep", maxFilterDepth)
	}
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var conds []string
	for _, k := range keys {
		v := unptr(w[k])
		var c string
		var err error
		switch k {
		case "and", "or":
			c, err = b.junction(a, e, k, v, depth)
		case "_change_block":
			c, err = b.changeBlock(a, e, v)
		default:
			f, ok := e.Filter(k)
			if !ok {
				return "", model.Errorf("%s has no filter %s", e.Name, k)
			}
			c, err = b.cond(a, e, f, v, depth)
		}
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	return "(" + and(conds...) + ")", nil
}

// junction compiles and/or over a list of filters.
func (b *builder) junction(a string, e *catalog.Entity, op string, v any, depth int) (string, error) {
	items, ok := toSlice(v)
	if !ok {
		return "", model.Errorf("%s must be a list of filters", op)
	}
	var parts []string
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return "", model.Errorf("%s must be a list of filters", op)
		}
		c, err := b.where(a, e, m, depth+1)
		if err != nil {
			return "", err
		}
		if c == "" {
			c = "TRUE"
		}
		parts = append(parts, c)
	}
	if len(parts) == 0 {
		return "TRUE", nil
	}
	return "(" + strings.Join(parts, " "+strings.ToUpper(op)+" ") + ")", nil
}

// changeBlock is TheGraph's _change_block: {number_gte}: rows written at or after that block.
func (b *builder) changeBlock(a string, e *catalog.Entity, v any) (string, error) {
	m, _ := v.(map[string]any)
	s, ok := numberText(m["number_gte"])
	if !ok {
		return "", model.Errorf("_change_block needs number_gte")
	}
	p := b.arg(s, "int8")
	if e.Kind == catalog.Versioned {
		return "lower(" + colName(a, "block_range") + ") >= " + p, nil
	}
	return colName(a, "block_number") + " >= " + p, nil
}

// cond compiles one where key.
func (b *builder) cond(a string, e *catalog.Entity, f catalog.Filter, v any, depth int) (string, error) {
	switch {
	case f.Op == catalog.OpNested:
		m, ok := v.(map[string]any)
		if !ok {
			return "", model.Errorf("%s_ must be a filter", f.Field.Name)
		}
		return b.nested(a, f.Field, m, depth)
	case f.Field.IsID:
		return b.idCond(a, e, f.Op, v)
	case f.Field.Const != "":
		return constCond(f.Field, f.Op, v)
	case f.Field.Col == nil:
		return "", model.Errorf("%s cannot be filtered", f.Field.Name)
	case f.Field.List:
		return b.listCond(a, f.Field, f.Op, v)
	}
	return b.scalarCond(b.col(a, f.Field.Col), f.Field.Col, f.Op, v)
}

// scalarCond compiles an operator on a scalar column expression x.
func (b *builder) scalarCond(x string, c *catalog.Column, op catalog.Op, v any) (string, error) {
	if v == nil {
		switch op {
		case catalog.OpEq:
			return x + " IS NULL", nil
		case catalog.OpNot:
			return x + " IS NOT NULL", nil
		}
		return "", model.Errorf("%s%s cannot be null", c.JSONName, op)
	}
	if op.TakesList() {
		p, err := b.listOperand(c, v)
		if err != nil {
			return "", err
		}
		if op == catalog.OpIn {
			return x + " = ANY(" + p + ")", nil
		}
		return x + " <> ALL(" + p + ")", nil
	}
	if nocase(op) {
		s, ok := v.(string)
		if !ok {
			return "", badValue(c, v)
		}
		v = strings.ToLower(s)
		x = "lower(" + x + ")"
	}
	p, widen, err := b.operand(c, v)
	if err != nil {
		return "", err
	}
	if widen {
		x += "::numeric"
	}
	bytea := strings.TrimSuffix(c.SQLType, "[]") == "bytea"
	switch op {
	case catalog.OpEq:
		return x + " = " + p, nil
	case catalog.OpNot:
		if c.Nullable {
			return x + " IS DISTINCT FROM " + p, nil
		}
		return x + " <> " + p, nil
	case catalog.OpGt:
		return x + " > " + p, nil
	case catalog.OpLt:
		return x + " < " + p, nil
	case catalog.OpGte:
		return x + " >= " + p, nil
	case catalog.OpLte:
		return x + " <= " + p, nil
	case catalog.OpContains, catalog.OpContainsNocase:
		if bytea {
			return "position(" + p + " in " + x + ") > 0", nil
		}
		return "strpos(" + x + ", " + p + ") > 0", nil
	case catalog.OpNotContains, catalog.OpNotContainsNocase:
		if bytea {
			return "position(" + p + " in " + x + ") = 0", nil
		}
		return "strpos(" + x + ", " + p + ") = 0", nil
	case catalog.OpStartsWith, catalog.OpStartsWithNocase:
		return "starts_with(" + x + ", " + p + ")", nil
	case catalog.OpNotStartsWith, catalog.OpNotStartsWithNocase:
		return "NOT starts_with(" + x + ", " + p + ")", nil
	case catalog.OpEndsWith, catalog.OpEndsWithNocase:
		return "right(" + x + ", length(" + p + ")) = " + p, nil
	case catalog.OpNotEndsWith, catalog.OpNotEndsWithNocase:
		return "right(" + x + ", length(" + p + ")) <> " + p, nil
	}
	return "", model.Errorf("%s does not support %s", c.JSONName, op)
}

func nocase(op catalog.Op) bool { return strings.HasSuffix(string(op), "_nocase") }

// listCond compiles an operator on an array column: equality of the whole list, or containment
// of every given element.
func (b *builder) listCond(a string, f *catalog.Field, op catalog.Op, v any) (string, error) {
	x := b.col(a, f.Col)
	if v == nil {
		if op == catalog.OpEq {
			return x + " IS NULL", nil
		}
		return x + " IS NOT NULL", nil
	}
	if nocase(op) {
		items, _ := toSlice(v)
		lowered := make([]any, len(items))
		for i, it := range items {
			s, _ := it.(string)
			lowered[i] = strings.ToLower(s)
		}
		v = lowered
		x = "ARRAY(SELECT lower(u) FROM unnest(" + x + ") AS u)"
	}
	p, err := b.listOperand(f.Col, v)
	if err != nil {
		return "", err
	}
	p += "::" + f.Col.SQLType
	switch op {
	case catalog.OpEq:
		return x + " = " + p, nil
	case catalog.OpNot:
		return x + " <> " + p, nil
	case catalog.OpContains, catalog.OpContainsNocase:
		return x + " @> " + p, nil
	case catalog.OpNotContains, catalog.OpNotContainsNocase:
		return "NOT (" + x + " @> " + p + ")", nil
	}
	return "", model.Errorf("%s does not support %s", f.Name, op)
}

// constCond evaluates a filter on a constant field (eventType) without SQL.
func constCond(f *catalog.Field, op catalog.Op, v any) (string, error) {
	match := false
	switch op {
	case catalog.OpEq, catalog.OpNot:
		s, _ := v.(string)
		match = s == f.Const
	case catalog.OpIn, catalog.OpNotIn:
		items, _ := toSlice(v)
		for _, it := range items {
			if s, _ := it.(string); s == f.Const {
				match = true
			}
		}
	}
	if op == catalog.OpNot || op == catalog.OpNotIn {
		match = !match
	}
	if match {
		return "TRUE", nil
	}
	return "FALSE", nil
}

// nested compiles a relation filter (project_: {...}, beneficiaries_: {...}): some related row,
// valid at the same block, matches.
func (b *builder) nested(a string, f *catalog.Field, w map[string]any, depth int) (string, error) {
	r := f.Rel
	ra := b.alias()
	inner, err := b.where(ra, r.Target, w, depth+1)
	if err != nil {
		return "", err
	}
	conds := append(b.related(a, ra, r), inner)
	return "EXISTS (SELECT 1 FROM " + table(r.Target) + " AS " + ra + " WHERE " + and(conds...) + ")", nil
}

// related is the condition that alias ra of r's target is a row related to alias a, as valid at
// the block read: relation filters and child orders select through it.
func (b *builder) related(a, ra string, r *catalog.Relation) []string {
	conds := []string{b.scope(ra, r.Target)}
	for i := range r.Local {
		conds = append(conds, colName(ra, r.Remote[i])+" = "+colName(a, r.Local[i]))
	}
	return conds
}

// idParts splits an id into its parts' values; ok is false when the length does not fit (then
// it names no row).
func idParts(e *catalog.Entity, id []byte) (vals []any, ok bool) {
	if len(id) != e.ID.Width() {
		return nil, false
	}
	for _, p := range e.ID.Parts {
		part := id[:p.Width]
		id = id[p.Width:]
		switch p.Enc {
		case catalog.LE32:
			vals = append(vals, int64(int32(binary.LittleEndian.Uint32(part))))
		case catalog.U256:
			vals = append(vals, new(big.Int).SetBytes(part).String())
		default:
			vals = append(vals, part)
		}
	}
	return vals, true
}

func idPartCast(p catalog.IDPart) string {
	switch p.Enc {
	case catalog.LE32:
		return "int4"
	case catalog.U256:
		return "numeric"
	}
	return "bytea"
}

// idCond compiles a filter on id. Equality and lists split the id into its columns, so the
// indexes on them serve (tx_hash for events, the key for entities); comparisons use the row order
// of the parts, which equals the order of the id's bytes.
func (b *builder) idCond(a string, e *catalog.Entity, op catalog.Op, v any) (string, error) {
	switch op {
	case catalog.OpEq, catalog.OpNot:
		bs, ok := toBytes(v)
		if !ok {
			return "", model.Errorf("id must be Bytes")
		}
		c := b.idEq(a, e, bs)
		if op == catalog.OpNot {
			return "NOT " + c, nil
		}
		return c, nil
	case catalog.OpIn, catalog.OpNotIn:
		items, ok := toSlice(v)
		if !ok {
			return "", model.Errorf("id%s must be a list of Bytes", op)
		}
		c, err := b.idIn(a, e, items)
		if err != nil {
			return "", err
		}
		if op == catalog.OpNotIn {
			return "NOT " + c, nil
		}
		return c, nil
	case catalog.OpContains, catalog.OpNotContains:
		bs, ok := toBytes(v)
		if !ok {
			return "", model.Errorf("id must be Bytes")
		}
		cmp := " > 0"
		if op == catalog.OpNotContains {
			cmp = " = 0"
		}
		return "position(" + b.arg(bs, "bytea") + " in " + idExpr(a, e) + ")" + cmp, nil
	}
	bs, ok := toBytes(v)
	if !ok {
		return "", model.Errorf("id must be Bytes")
	}
	sym := map[catalog.Op]string{catalog.OpGt: ">", catalog.OpGte: ">=", catalog.OpLt: "<", catalog.OpLte: "<="}[op]
	vals, full := idParts(e, bs)
	if !full {
		return idExpr(a, e) + " " + sym + " " + b.arg(bs, "bytea"), nil
	}
	keys := make([]string, len(e.ID.Parts))
	ps := make([]string, len(e.ID.Parts))
	for i, p := range e.ID.Parts {
		keys[i] = idPartExpr(a, p)
		if p.Enc == catalog.LE32 {
			ps[i] = b.arg(model.LE32(int(vals[i].(int64))), "bytea")
			continue
		}
		if p.Enc == catalog.U256 {
			keys[i] = colName(a, p.Column) // numeric order is the order of its big-endian bytes
		}
		ps[i] = b.arg(vals[i], idPartCast(p))
	}
	return rowCompare(keys, ps, sym), nil
}

func (b *builder) idEq(a string, e *catalog.Entity, id []byte) string {
	vals, ok := idParts(e, id)
	if !ok {
		return "FALSE"
	}
	conds := make([]string, len(vals))
	for i, p := range e.ID.Parts {
		conds[i] = colName(a, p.Column) + " = " + b.arg(vals[i], idPartCast(p))
	}
	return "(" + and(conds...) + ")"
}

func (b *builder) idIn(a string, e *catalog.Entity, items []any) (string, error) {
	cols := make([][]any, len(e.ID.Parts))
	for _, it := range items {
		bs, ok := toBytes(it)
		if !ok {
			return "", model.Errorf("ids must be Bytes")
		}
		vals, ok := idParts(e, bs)
		if !ok {
			continue
		}
		for i := range vals {
			cols[i] = append(cols[i], vals[i])
		}
	}
	if len(cols[0]) == 0 {
		return "FALSE", nil
	}
	names := make([]string, len(e.ID.Parts))
	arrays := make([]string, len(e.ID.Parts))
	for i, p := range e.ID.Parts {
		names[i] = colName(a, p.Column)
		arrays[i] = b.arg(typedArray(idPartCast(p), cols[i]), idPartCast(p)+"[]")
	}
	if len(names) == 1 {
		return names[0] + " = ANY(" + arrays[0] + ")", nil
	}
	return "((" + strings.Join(names, ", ") + ") IN (SELECT * FROM unnest(" + strings.Join(arrays, ", ") + ")))", nil
}

// typedArray makes a concrete slice pgx encodes as a Postgres array.
func typedArray(cast string, vals []any) any {
	switch cast {
	case "bytea":
		out := make([][]byte, len(vals))
		for i, v := range vals {
			out[i], _ = toBytes(v)
		}
		return out
	case "int4", "int8":
		out := make([]int64, len(vals))
		for i, v := range vals {
			s, _ := numberText(v)
			out[i], _ = parseInt(s)
		}
		return out
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i], _ = numberText(v)
	}
	return out
}

// rowCompare is (k1, k2 ...) sym (p1, p2 ...), plus k1 symOrEq p1 alone, which lets Postgres
// use an index on k1 (it does not derive index bounds from a row comparison whose later members
// are expressions).
func rowCompare(keys, ps []string, sym string) string {
	if len(keys) == 1 {
		return keys[0] + " " + sym + " " + ps[0]
	}
	lead := string(sym[0]) + "="
	return "(" + keys[0] + " " + lead + " " + ps[0] + " AND (" + strings.Join(keys, ", ") + ") " + sym + " (" + strings.Join(ps, ", ") + "))"
}
