package graphql

import (
	"context"
	"encoding/json"
	"strings"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// limits rejects an operation that is too deep or too costly before any resolver runs.
//
// Depth counts nested selections of fields (fragments are followed, introspection fields are not
// counted: introspection can be switched off instead). Cost estimates the values a response holds:
// a field costs 1 plus its children's cost, times the number of items it returns: its first
// argument where it has one (a connection passes it to its edges and nodes), else 100 for a list
// with no first. So claimCreateds(first: 1000) { 10 fields } costs 10,001, and three nested lists
// of 100 cost about 1,000,000.
type limits struct {
	maxDepth int
	maxCost  int
	onReject func(kind string)
}

const defaultListItems = 100

var _ interface {
	gql.HandlerExtension
	gql.OperationContextMutator
} = limits{}

func (limits) ExtensionName() string { return "RahatLimits" }

func (limits) Validate(gql.ExecutableSchema) error { return nil }

func (l limits) MutateOperationContext(_ context.Context, oc *gql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walker{doc: oc.Doc, vars: oc.Variables}
	depth, cost := w.selection(oc.Operation.SelectionSet, 1, false)
	if l.maxDepth > 0 && depth > l.maxDepth {
		l.reject("depth")
		return limitError("QUERY_TOO_DEEP", "The query is %d levels deep; the limit is %d", depth, l.maxDepth)
	}
	if l.maxCost > 0 && cost > l.maxCost {
		l.reject("complexity")
		return limitError("QUERY_TOO_COMPLEX", "The query's estimated cost is %d; the limit is %d (lower first on nested lists)", cost, l.maxCost)
	}
	return nil
}

func (l limits) reject(kind string) {
	if l.onReject != nil {
		l.onReject(kind)
	}
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": code}
	return e
}

type walker struct {
	doc  *ast.QueryDocument
	vars map[string]any
}

// selection returns the depth and cost of a selection set at level (1 = the root's fields).
// inConnection is set under a field whose first argument already counted its items.
func (w walker) selection(set ast.SelectionSet, level int, inConnection bool) (depth, cost int) {
	for _, sel := range set {
		var d, c int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d, c = w.field(s, level, inConnection)
		case *ast.InlineFragment:
			d, c = w.selection(s.SelectionSet, level, inConnection)
		case *ast.FragmentSpread:
			if f := w.doc.Fragments.ForName(s.Name); f != nil {
				d, c = w.selection(f.SelectionSet, level, inConnection)
			}
		}
		depth = max(depth, d)
		cost = satAdd(cost, c)
	}
	return depth, cost
}

func (w walker) field(f *ast.Field, level int, inConnection bool) (int, int) {
	items := 1
	first, hasFirst := w.first(f)
	isList := f.Definition != nil && f.Definition.Type.Elem != nil
	switch {
	case hasFirst:
		items = first
	case isList && !inConnection:
		items = defaultListItems
	}
	connection := hasFirst && !isList
	depth, cost := w.selection(f.SelectionSet, level+1, connection)
	return max(level, depth), satMul(1+cost, max(items, 1))
}

// first reads the field's first argument (a literal, a variable or the schema default).
func (w walker) first(f *ast.Field) (int, bool) {
	if f.Definition == nil || f.Definition.Arguments.ForName("first") == nil {
		return 0, false
	}
	v, ok := f.ArgumentMap(w.vars)["first"]
	if !ok || v == nil {
		return defaultListItems, true
	}
	switch n := v.(type) {
	case int64:
		return int(min(max(n, 0), 1<<30)), true
	case int:
		return min(max(n, 0), 1<<30), true
	case float64:
		return int(min(max(n, 0), 1<<30)), true
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(min(max(i, 0), 1<<30)), true
		}
	}
	return defaultListItems, true
}

func satAdd(a, b int) int {
	if a > 1<<40 || b > 1<<40 {
		return 1 << 40
	}
	return a + b
}

func satMul(a, b int) int {
	if a > 0 && b > (1<<40)/a {
		return 1 << 40
	}
	return a * b
}
