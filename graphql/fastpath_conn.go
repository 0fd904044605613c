package graphql

import (
	"context"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/graphql/query"
)

// connPart is one selected field of <entities>Connection: __typename, edges { cursor node
// { scalars } }, nodes { scalars } or pageInfo, under any aliases.
type connPart struct {
	key   []byte
	name  string
	fixed []byte    // __typename's value
	edges []subPart // edges' fields
	node  []column  // columns of nodes, or of edges' node
	info  []subPart // pageInfo's fields
}

// subPart is a field of an edge or of pageInfo.
type subPart struct {
	key   []byte
	name  string
	fixed []byte // __typename's value
}

// planConnection plans the selection of a connection of e; false for anything but the parts
// above.
func planConnection(oc *gql.OperationContext, e *catalog.Entity, set ast.SelectionSet) ([]connPart, bool) {
	sel := gql.CollectFields(oc, set, []string{e.Name + "Connection"})
	parts := make([]connPart, len(sel))
	for i, f := range sel {
		p := connPart{key: jsonKey(i, f.Alias), name: f.Name}
		switch f.Name {
		case "__typename":
			p.fixed = appendQuoted(nil, e.Name+"Connection")
		case "nodes":
			nodes := gql.CollectFields(oc, f.Selections, []string{e.Name})
			if !scalarsOnly(e, nodes) {
				return nil, false
			}
			var ok bool
			if p.node, ok = plan(e, nodes); !ok {
				return nil, false
			}
		case "edges":
			for j, ef := range gql.CollectFields(oc, f.Selections, []string{e.Name + "Edge"}) {
				sp := subPart{key: jsonKey(j, ef.Alias), name: ef.Name}
				switch ef.Name {
				case "__typename":
					sp.fixed = appendQuoted(nil, e.Name+"Edge")
				case "cursor":
				case "node":
					nodes := gql.CollectFields(oc, ef.Selections, []string{e.Name})
					if !scalarsOnly(e, nodes) {
						return nil, false
					}
					var ok bool
					if p.node, ok = plan(e, nodes); !ok {
						return nil, false
					}
				default:
					return nil, false
				}
				p.edges = append(p.edges, sp)
			}
		case "pageInfo":
			for j, pf := range gql.CollectFields(oc, f.Selections, []string{"PageInfo"}) {
				sp := subPart{key: jsonKey(j, pf.Alias), name: pf.Name}
				switch pf.Name {
				case "__typename":
					sp.fixed = appendQuoted(nil, "PageInfo")
				case "hasNextPage", "hasPreviousPage", "startCursor", "endCursor":
				default:
					return nil, false
				}
				p.info = append(p.info, sp)
			}
		default:
			return nil, false
		}
		parts[i] = p
	}
	return parts, true
}

// renderConnection runs a connection's page and appends its JSON to buf; ok is false when the
// normal resolver must answer instead.
func (fp *fastPath) renderConnection(ctx context.Context, p *fieldPlan, args map[string]any, buf []byte) ([]byte, bool) {
	e := p.e
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
	buf = append(buf, '{')
	for _, cp := range p.conn {
		buf = append(buf, cp.key...)
		switch cp.name {
		case "__typename":
			buf = append(buf, cp.fixed...)
		case "nodes":
			buf = append(buf, '[')
			for i, row := range page.Rows {
				if i > 0 {
					buf = append(buf, ',')
				}
				if buf, ok = appendRow(buf, row, cp.node); !ok {
					return nil, false
				}
			}
			buf = append(buf, ']')
		case "edges":
			buf = append(buf, '[')
			for i, row := range page.Rows {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, '{')
				for _, ef := range cp.edges {
					buf = append(buf, ef.key...)
					switch ef.name {
					case "__typename":
						buf = append(buf, ef.fixed...)
					case "cursor":
						buf = appendQuoted(buf, page.Cursors[i])
					case "node":
						if buf, ok = appendRow(buf, row, cp.node); !ok {
							return nil, false
						}
					}
				}
				buf = append(buf, '}')
			}
			buf = append(buf, ']')
		case "pageInfo":
			buf = appendPageInfo(buf, cp.info, page.Info)
		}
	}
	return append(buf, '}'), true
}

func appendPageInfo(buf []byte, sel []subPart, info model.PageInfo) []byte {
	buf = append(buf, '{')
	for _, f := range sel {
		buf = append(buf, f.key...)
		switch f.name {
		case "__typename":
			buf = append(buf, f.fixed...)
		case "hasNextPage":
			buf = appendBool(buf, info.HasNextPage)
		case "hasPreviousPage":
			buf = appendBool(buf, info.HasPreviousPage)
		case "startCursor", "endCursor":
			c := info.StartCursor
			if f.name == "endCursor" {
				c = info.EndCursor
			}
			if c == nil {
				buf = append(buf, "null"...)
			} else {
				buf = appendQuoted(buf, *c)
			}
		}
	}
	return append(buf, '}')
}

func appendBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, "true"...)
	}
	return append(buf, "false"...)
}
