package graphql

import (
	"bytes"
	"context"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/graphql/query"
)

// renderConnection is the fast path of <entities>Connection: edges { cursor node { scalars } },
// nodes { scalars } and pageInfo, under any aliases; ok is false for anything else.
func (fp *fastPath) renderConnection(ctx context.Context, oc *gql.OperationContext, e *catalog.Entity, args map[string]any, set ast.SelectionSet) ([]byte, bool) {
	sel := gql.CollectFields(oc, set, []string{e.Name + "Connection"})
	type part struct {
		key   []byte
		name  string
		edges []gql.CollectedField // edges' fields
		node  []column             // columns of nodes, or of edges' node
		info  []gql.CollectedField // pageInfo's fields
	}
	parts := make([]part, len(sel))
	for i, f := range sel {
		p := part{key: jsonKey(i, f.Alias), name: f.Name}
		switch f.Name {
		case "__typename":
		case "nodes":
			nodes := gql.CollectFields(oc, f.Selections, []string{e.Name})
			if !scalarsOnly(e, nodes) {
				return nil, false
			}
			p.node = plan(e, nodes)
		case "edges":
			p.edges = gql.CollectFields(oc, f.Selections, []string{e.Name + "Edge"})
			for _, ef := range p.edges {
				switch ef.Name {
				case "__typename", "cursor":
				case "node":
					nodes := gql.CollectFields(oc, ef.Selections, []string{e.Name})
					if !scalarsOnly(e, nodes) {
						return nil, false
					}
					p.node = plan(e, nodes)
				default:
					return nil, false
				}
			}
		case "pageInfo":
			p.info = gql.CollectFields(oc, f.Selections, []string{"PageInfo"})
		default:
			return nil, false
		}
		parts[i] = p
	}
	pa := query.PageArgs{}
	var ok bool
	if pa.Block, ok = blockArg(args["block"]); !ok {
		return nil, false
	}
	if pa.First, ok = intArg(args["first"]); !ok {
		return nil, false
	}
	pa.After, _ = strArg(args["after"])
	pa.Before, _ = strArg(args["before"])
	pa.OrderBy, _ = strArg(args["orderBy"])
	pa.OrderDirection, _ = strArg(args["orderDirection"])
	if pa.Where, ok = whereArg(e, args["where"]); !ok {
		return nil, false
	}
	page, err := query.PaginateRows(ctx, fp.r.eng, e, pa, func() model.Row { return model.NewRow(e.Name) })
	if err != nil {
		return nil, false
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for _, p := range parts {
		buf.Write(p.key)
		switch p.name {
		case "__typename":
			gql.MarshalString(e.Name + "Connection").MarshalGQL(&buf)
		case "nodes":
			buf.WriteByte('[')
			for i, row := range page.Rows {
				if i > 0 {
					buf.WriteByte(',')
				}
				if !writeRow(&buf, row, p.node) {
					return nil, false
				}
			}
			buf.WriteByte(']')
		case "edges":
			buf.WriteByte('[')
			for i, row := range page.Rows {
				if i > 0 {
					buf.WriteByte(',')
				}
				buf.WriteByte('{')
				for j, ef := range p.edges {
					buf.Write(jsonKey(j, ef.Alias))
					switch ef.Name {
					case "__typename":
						gql.MarshalString(e.Name + "Edge").MarshalGQL(&buf)
					case "cursor":
						gql.MarshalString(page.Cursors[i]).MarshalGQL(&buf)
					case "node":
						if !writeRow(&buf, row, p.node) {
							return nil, false
						}
					}
				}
				buf.WriteByte('}')
			}
			buf.WriteByte(']')
		case "pageInfo":
			writePageInfo(&buf, p.info, page.Info)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), true
}

func writePageInfo(buf *bytes.Buffer, sel []gql.CollectedField, info model.PageInfo) {
	buf.WriteByte('{')
	for i, f := range sel {
		buf.Write(jsonKey(i, f.Alias))
		switch f.Name {
		case "__typename":
			gql.MarshalString("PageInfo").MarshalGQL(buf)
		case "hasNextPage":
			gql.MarshalBoolean(info.HasNextPage).MarshalGQL(buf)
		case "hasPreviousPage":
			gql.MarshalBoolean(info.HasPreviousPage).MarshalGQL(buf)
		case "startCursor", "endCursor":
			c := info.StartCursor
			if f.Name == "endCursor" {
				c = info.EndCursor
			}
			if c == nil {
				buf.WriteString("null")
			} else {
				gql.MarshalString(*c).MarshalGQL(buf)
			}
		}
	}
	buf.WriteByte('}')
}

// jsonKey is `"alias":`, after a comma unless it is the first key of an object.
func jsonKey(i int, alias string) []byte {
	var kb bytes.Buffer
	if i > 0 {
		kb.WriteByte(',')
	}
	gql.MarshalString(alias).MarshalGQL(&kb)
	kb.WriteByte(':')
	return kb.Bytes()
}
