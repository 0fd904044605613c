package graphql

import (
	"context"
	"errors"
	"io"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/query"
)

// fastPath answers the commonest dashboard queries, a root list, singular or connection field
// that selects only scalars of one entity, without gqlgen's per-field machinery: gqlgen resolves
// every field of every row through its own closure, context and (per row) goroutine, which costs
// several times the database work on a page of 100 rows. The fast path runs the same engine
// query and writes the JSON of the selected fields straight from the rows Postgres sends (see
// fastpath_write.go), formatted as gqlgen's marshalers format them, so the output is byte for
// byte what gqlgen writes (a test runs queries both ways).
//
// It has two entry points. The direct one (fastpath_http.go) serves a whole request from the HTTP
// handler when every root field of the document is one the fast path handles: the document is
// parsed, validated and planned once, and each request only binds its variables, checks the
// limits and runs the queries. The other is a root-field middleware inside gqlgen, for documents
// that mix such fields with others; it plans the field on every request.
//
// Anything the fast path does not handle (relations, aggregates, an argument it cannot convert,
// a value it cannot format, an error) goes to gqlgen's resolvers, which then report errors exactly
// as usual: the fast path never writes an error.
type fastPath struct {
	r      *Resolver
	fields map[string]fastField
}

type fastField struct {
	e          *catalog.Entity
	list       bool
	connection bool
}

// errNotFast stops a raw read whose rows the fast path cannot write.
var errNotFast = errors.New("graphql: not for the fast path")

func newFastPath(r *Resolver) *fastPath {
	fp := &fastPath{r: r, fields: map[string]fastField{}}
	for _, e := range r.cat.Entities {
		fp.fields[e.Plural] = fastField{e: e, list: true}
		fp.fields[e.Single] = fastField{e: e}
		fp.fields[e.Plural+"Connection"] = fastField{e: e, connection: true}
	}
	return fp
}

// fieldPlan is how the fast path answers one root field, worked out from its selection.
type fieldPlan struct {
	fastField
	cols []column   // the selected fields of a list or singular field's rows
	conn []connPart // the selected parts of a connection
}

// planField plans a root field of Query; false when the fast path does not handle it.
func (fp *fastPath) planField(oc *gql.OperationContext, f gql.CollectedField) (*fieldPlan, bool) {
	if f.Field == nil || f.ObjectDefinition == nil || f.ObjectDefinition.Name != "Query" {
		return nil, false
	}
	ff, ok := fp.fields[f.Name]
	if !ok {
		return nil, false
	}
	p := &fieldPlan{fastField: ff}
	if ff.connection {
		p.conn, ok = planConnection(oc, ff.e, f.Selections)
		return p, ok
	}
	sel := gql.CollectFields(oc, f.Selections, []string{ff.e.Name})
	if !scalarsOnly(ff.e, sel) {
		return nil, false
	}
	p.cols, ok = plan(ff.e, sel)
	return p, ok
}

// middleware is the fast path inside gqlgen, for one root field.
func (fp *fastPath) middleware(ctx context.Context, next gql.RootResolver) gql.Marshaler {
	rfc := gql.GetRootFieldContext(ctx)
	if rfc == nil {
		return next(ctx)
	}
	oc := gql.GetOperationContext(ctx)
	p, ok := fp.planField(oc, rfc.Field)
	if !ok {
		return next(ctx)
	}
	out, ok := fp.render(ctx, p, rfc.Field.ArgumentMap(oc.Variables), nil)
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

// render runs the field's query and appends its JSON to buf; ok is false when the normal
// resolver must answer instead.
func (fp *fastPath) render(ctx context.Context, p *fieldPlan, args map[string]any, buf []byte) ([]byte, bool) {
	if p.connection {
		return fp.renderConnection(ctx, p, args, buf)
	}
	block, ok := blockArg(args["block"])
	if !ok {
		return nil, false
	}
	start, n := len(buf), 0
	write := func(fds []pgconn.FieldDescription, vals [][]byte) error {
		if p.list && n > 0 {
			buf = append(buf, ',')
		}
		var ok bool
		if buf, ok = appendRawRow(buf, p.cols, fds, vals); !ok {
			return errNotFast
		}
		n++
		return nil
	}
	if !p.list {
		id, _ := args["id"].(string)
		found, err := query.GetRaw(ctx, fp.r.eng, p.e, id, block, write)
		if err != nil || found != (n == 1) {
			return nil, false
		}
		if !found {
			return append(buf[:start], "null"...), true
		}
		return buf, true
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
	if la.Where, ok = whereArg(p.e, args["where"]); !ok {
		return nil, false
	}
	buf = append(buf, '[')
	count, err := query.ListRaw(ctx, fp.r.eng, p.e, la, write)
	if err != nil || count != n {
		return nil, false
	}
	return append(buf, ']'), true
}

// column is one selected field, planned once for all rows: its key ("alias":) and what to write.
type column struct {
	key   []byte
	field *catalog.Field // nil for __typename and constant fields
	fixed []byte         // the value of __typename and constant fields
	idx   int            // the field's column in the entity's select list
	id    []idPart       // the id's parts, for the id field
}

// idPart is one column of an id, by its place in the select list.
type idPart struct {
	idx int
	enc catalog.IDEnc
}

// plan prepares the selected scalar fields of e; false when one of them is not read from a
// column of the entity's select list.
func plan(e *catalog.Entity, sel []gql.CollectedField) ([]column, bool) {
	colIdx := func(name string) int {
		for i, c := range e.Columns {
			if c.Name == name {
				return i
			}
		}
		return -1
	}
	cols := make([]column, len(sel))
	for i, f := range sel {
		c := &cols[i]
		c.key = jsonKey(i, f.Alias)
		switch ef := e.Field(f.Name); {
		case f.Name == "__typename":
			c.fixed = appendQuoted(nil, e.Name)
		case ef.Const != "":
			c.fixed = appendQuoted(nil, ef.Const)
		case ef.IsID:
			c.field = ef
			for _, p := range e.ID.Parts {
				idx := colIdx(p.Column)
				if idx < 0 {
					return nil, false
				}
				c.id = append(c.id, idPart{idx: idx, enc: p.Enc})
			}
		case ef.Col == nil:
			return nil, false
		default:
			c.field = ef
			if c.idx = colIdx(ef.Col.Name); c.idx < 0 {
				return nil, false
			}
		}
	}
	return cols, true
}

// jsonKey is `"alias":`, after a comma unless it is the first key of an object.
func jsonKey(i int, alias string) []byte {
	var kb []byte
	if i > 0 {
		kb = append(kb, ',')
	}
	kb = appendQuoted(kb, alias)
	return append(kb, ':')
}
