package graphql

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"strconv"

	gql "github.com/99designs/gqlgen/graphql"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/graphql/query"
)

// fastPath answers the commonest dashboard query, a root list or singular field that selects
// only scalars of one entity, without gqlgen's per-field machinery: gqlgen resolves every field
// of every row through its own closure, context and (per row) goroutine, which costs several
// times the database work on a page of 100 rows. The fast path runs the same engine query and
// writes the JSON of the selected fields directly, with gqlgen's own marshalers for each value,
// so the output is byte for byte what gqlgen writes (a test runs queries both ways).
//
// It runs as a root-field middleware, after parsing, validation and the limits; anything it does
// not handle (relations, connections, aggregates, an argument it cannot convert, an error) falls
// back to the normal resolver, which then reports errors exactly as usual.
type fastPath struct {
	r      *Resolver
	fields map[string]fastField
}

type fastField struct {
	e          *catalog.Entity
	list       bool
	connection bool
}

func newFastPath(r *Resolver) *fastPath {
	fp := &fastPath{r: r, fields: map[string]fastField{}}
	for _, e := range r.cat.Entities {
		fp.fields[e.Plural] = fastField{e: e, list: true}
		fp.fields[e.Single] = fastField{e: e}
		fp.fields[e.Plural+"Connection"] = fastField{e: e, connection: true}
	}
	return fp
}

func (fp *fastPath) middleware(ctx context.Context, next gql.RootResolver) gql.Marshaler {
	rfc := gql.GetRootFieldContext(ctx)
	if rfc == nil || rfc.Field.Field == nil || rfc.Field.ObjectDefinition == nil || rfc.Field.ObjectDefinition.Name != "Query" {
		return next(ctx)
	}
	ff, ok := fp.fields[rfc.Field.Name]
	if !ok {
		return next(ctx)
	}
	oc := gql.GetOperationContext(ctx)
	args := rfc.Field.ArgumentMap(oc.Variables)
	var out []byte
	if ff.connection {
		out, ok = fp.renderConnection(ctx, oc, ff.e, args, rfc.Field.Selections)
	} else {
		sel := gql.CollectFields(oc, rfc.Field.Selections, []string{ff.e.Name})
		if !scalarsOnly(ff.e, sel) {
			return next(ctx)
		}
		out, ok = fp.render(ctx, ff, args, sel)
	}
	if !ok {
		return next(ctx)
	}
	return gql.WriterFunc(func(w io.Writer) { w.Write(out) }) //nolint:errcheck // gqlgen's Marshaler has no error path
}

// scalarsOnly reports a selection of scalar fields (and __typename) of e.
func scalarsOnly(e *catalog.Entity, sel []gql.CollectedField) bool {
	for _, f := range sel {
		if f.Name == "__typename" {
			continue
		}
		ef := e.Field(f.Name)
		if ef == nil || ef.Rel != nil || len(f.Selections) > 0 || len(f.Arguments) > 0 {
			return false
		}
	}
	return true
}

// render runs the query and writes the field's JSON; ok is false when the normal resolver must
// answer instead.
func (fp *fastPath) render(ctx context.Context, ff fastField, args map[string]any, sel []gql.CollectedField) ([]byte, bool) {
	block, ok := blockArg(args["block"])
	if !ok {
		return nil, false
	}
	newRow := func() model.Row { return model.NewRow(ff.e.Name) }
	var buf bytes.Buffer
	if !ff.list {
		id, _ := args["id"].(string)
		row, err := query.GetRow(ctx, fp.r.eng, ff.e, id, block, newRow)
		if err != nil {
			return nil, false
		}
		if row == nil {
			return []byte("null"), true
		}
		if !writeRow(&buf, row, plan(ff.e, sel)) {
			return nil, false
		}
		return buf.Bytes(), true
	}
	la := query.ListArgs{Block: block}
	if la.First, ok = intArg(args["first"]); !ok {
		return nil, false
	}
	if la.Skip, ok = intArg(args["skip"]); !ok {
		return nil, false
	}
	la.OrderBy, _ = strArg(args["orderBy"])
	la.OrderDirection, _ = strArg(args["orderDirection"])
	if la.Where, ok = whereArg(ff.e, args["where"]); !ok {
		return nil, false
	}
	rows, err := query.ListRows(ctx, fp.r.eng, ff.e, la, newRow)
	if err != nil {
		return nil, false
	}
	buf.Grow(64 + 48*len(sel)*len(rows))
	cols := plan(ff.e, sel)
	buf.WriteByte('[')
	for i, row := range rows {
		if i > 0 {
			buf.WriteByte(',')
		}
		if !writeRow(&buf, row, cols) {
			return nil, false
		}
	}
	buf.WriteByte(']')
	return buf.Bytes(), true
}

// column is one selected field, planned once for all rows: its key ("alias":) and what to write.
type column struct {
	key   []byte
	field *catalog.Field // nil for __typename
	fixed []byte         // the value of __typename and constant fields
}

// plan prepares the selected fields of e.
func plan(e *catalog.Entity, sel []gql.CollectedField) []column {
	cols := make([]column, len(sel))
	for i, f := range sel {
		cols[i].key = jsonKey(i, f.Alias)
		var vb bytes.Buffer
		switch ef := e.Field(f.Name); {
		case f.Name == "__typename":
			gql.MarshalString(e.Name).MarshalGQL(&vb)
			cols[i].fixed = vb.Bytes()
		case ef.Const != "":
			gql.MarshalString(ef.Const).MarshalGQL(&vb)
			cols[i].fixed = vb.Bytes()
		default:
			cols[i].field = ef
		}
	}
	return cols
}

// writeRow writes one object: the selected fields, under their aliases, in selection order.
func writeRow(buf *bytes.Buffer, row model.Row, cols []column) bool {
	buf.WriteByte('{')
	for _, c := range cols {
		buf.Write(c.key)
		switch {
		case c.fixed != nil:
			buf.Write(c.fixed)
		case c.field.IsID:
			writeHex(buf, row.ID())
		default:
			if !writeValue(buf, row.ColumnValue(c.field.Col.Name), c.field.Nullable) {
				return false
			}
		}
	}
	buf.WriteByte('}')
	return true
}

// writeHex writes Bytes as Bytes.MarshalGQL does, without its allocation.
func writeHex(buf *bytes.Buffer, b []byte) {
	buf.WriteString(`"0x`)
	buf.Grow(2*len(b) + 1)
	dst := buf.AvailableBuffer()[:2*len(b)]
	hex.Encode(dst, b)
	buf.Write(dst)
	buf.WriteByte('"')
}

// writeQuoted writes a decimal string quoted, as BigInt.MarshalGQL does.
func writeQuoted(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}

// writeValue writes a column value with gqlgen's marshaler for its type; false for a null in a
// non-null field (gqlgen would report it) or a type it does not know.
func writeValue(buf *bytes.Buffer, v any, nullable bool) bool {
	null := func() bool {
		buf.WriteString("null")
		return nullable
	}
	switch x := v.(type) {
	case model.Bytes:
		if x == nil {
			return null()
		}
		writeHex(buf, x)
	case model.BigInt:
		writeQuoted(buf, string(x))
	case *model.BigInt:
		if x == nil {
			return null()
		}
		writeQuoted(buf, string(*x))
	case model.BigDecimal:
		writeQuoted(buf, string(x))
	case *model.BigDecimal:
		if x == nil {
			return null()
		}
		writeQuoted(buf, string(*x))
	case model.Int8:
		writeQuoted(buf, strconv.FormatInt(int64(x), 10))
	case *model.Int8:
		if x == nil {
			return null()
		}
		writeQuoted(buf, strconv.FormatInt(int64(*x), 10))
	case int:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(x), 10))
	case *int:
		if x == nil {
			return null()
		}
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(*x), 10))
	case string:
		gql.MarshalString(x).MarshalGQL(buf)
	case *string:
		if x == nil {
			return null()
		}
		gql.MarshalString(*x).MarshalGQL(buf)
	case bool:
		gql.MarshalBoolean(x).MarshalGQL(buf)
	case *bool:
		if x == nil {
			return null()
		}
		gql.MarshalBoolean(*x).MarshalGQL(buf)
	default:
		return false // lists and anything new: the normal path
	}
	return true
}

// whereArg converts a raw where argument (nil when absent).
func whereArg(e *catalog.Entity, w any) (map[string]any, bool) {
	if w == nil {
		return nil, true
	}
	raw, isMap := w.(map[string]any)
	if !isMap {
		return nil, false
	}
	return typedWhere(e, raw, 0)
}

// The raw argument values of a validated operation (literals and coerced variables) converted
// to what the generated resolvers receive; false sends the field to the normal path.

func intArg(v any) (*int, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case int64:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, false
		}
		n := int(x)
		return &n, true
	case int:
		return &x, true
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return nil, false
		}
		return intArg(i)
	}
	return nil, false
}

func strArg(v any) (*string, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, v == nil
	}
	return &s, true
}

func blockArg(v any) (*model.BlockHeight, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	bh := &model.BlockHeight{}
	if h, present := m["hash"]; present && h != nil {
		if err := bh.Hash.UnmarshalGQL(h); err != nil {
			return nil, false
		}
	}
	if bh.Number, ok = intArg(m["number"]); !ok {
		return nil, false
	}
	if bh.NumberGte, ok = intArg(m["number_gte"]); !ok {
		return nil, false
	}
	return bh, true
}

// typedWhere converts a raw where argument to the values gqlgen would hand the resolver.
func typedWhere(e *catalog.Entity, raw map[string]any, depth int) (map[string]any, bool) {
	if depth > 8 {
		return nil, false
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		switch k {
		case "and", "or":
			list, ok := v.([]any)
			if !ok {
				return nil, false
			}
			items := make([]any, len(list))
			for i, it := range list {
				m, ok := it.(map[string]any)
				if !ok {
					return nil, false
				}
				if items[i], ok = typedWhere(e, m, depth+1); !ok {
					return nil, false
				}
			}
			out[k] = items
			continue
		case "_change_block":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			n, ok := intArg(m["number_gte"])
			if !ok || n == nil {
				return nil, false
			}
			out[k] = map[string]any{"number_gte": *n}
			continue
		}
		f, ok := e.Filter(k)
		if !ok {
			return nil, false
		}
		switch {
		case v == nil:
			out[k] = nil
		case f.Op == catalog.OpNested:
			m, isMap := v.(map[string]any)
			if !isMap {
				return nil, false
			}
			if out[k], ok = typedWhere(f.Field.Rel.Target, m, depth+1); !ok {
				return nil, false
			}
		case f.Op.TakesList() || f.Field.List:
			list, isList := v.([]any)
			if !isList {
				return nil, false
			}
			items := make([]any, len(list))
			for i, it := range list {
				if items[i], ok = scalarValue(f.Field, it); !ok {
					return nil, false
				}
			}
			out[k] = items
		default:
			if out[k], ok = scalarValue(f.Field, v); !ok {
				return nil, false
			}
		}
	}
	return out, true
}

func scalarValue(f *catalog.Field, v any) (any, bool) {
	typ := f.Type
	if f.Const != "" {
		typ = catalog.String
	}
	switch typ {
	case catalog.Bytes:
		var b model.Bytes
		if b.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return b, true
	case catalog.BigInt:
		var n model.BigInt
		if n.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return n, true
	case catalog.BigDecimal:
		var d model.BigDecimal
		if d.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return d, true
	case catalog.Int8:
		var i model.Int8
		if i.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return i, true
	case catalog.Int:
		n, ok := intArg(v)
		if !ok || n == nil {
			return nil, false
		}
		return *n, true
	case catalog.String:
		s, ok := v.(string)
		return s, ok
	case catalog.Boolean:
		b, ok := v.(bool)
		return b, ok
	}
	return nil, false
}
