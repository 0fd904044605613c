package graphql

import (
	"context"
	"sync"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// loader batches relation reads within one request, so that a list of N parents costs one
// statement per relation and nesting level, not N (no N+1).
//
// It needs no timer, unlike a classic dataloader: when a resolver has read a list of rows, it
// looks at the fields the query selects on them (the selection set is known before any child
// resolver runs) and registers, for each relation field, a batch holding every row of the list.
// The first child resolver of that field to run loads the relation for the whole batch; its
// siblings find their rows in the result. A batch is identified by the relation's place in the
// query (its *ast.Field: alias and arguments included) and the block read at.
type loader struct {
	mu      sync.Mutex
	batches map[batchKey][]*batch
}

type batchKey struct {
	field *ast.Field
	at    model.At
}

type batch struct {
	once    sync.Once
	parents []model.Row
	members map[model.Row]bool
	result  any // map[string]*T or map[string][]*T, by the parents' relation keys
	err     error
}

type loaderKey struct{}

// withLoader gives a request its loader.
func withLoader(ctx context.Context) context.Context {
	return context.WithValue(ctx, loaderKey{}, &loader{batches: map[batchKey][]*batch{}})
}

func loaderFrom(ctx context.Context) *loader {
	l, _ := ctx.Value(loaderKey{}).(*loader)
	return l
}

// prime registers batches for the relation fields selected on rows of entity e.
func prime(ctx context.Context, e *catalog.Entity, rows []model.Row, fields []gql.CollectedField) {
	l := loaderFrom(ctx)
	if l == nil || len(rows) < 2 {
		return // a single parent is loaded on its own anyway
	}
	at := rows[0].QueryAt()
	for _, f := range fields {
		ef := e.Field(f.Name)
		if ef == nil || ef.Rel == nil {
			continue
		}
		b := &batch{parents: rows, members: make(map[model.Row]bool, len(rows))}
		for _, r := range rows {
			b.members[r] = true
		}
		k := batchKey{field: f.Field, at: at}
		l.mu.Lock()
		l.batches[k] = append(l.batches[k], b)
		l.mu.Unlock()
	}
}

// batchFor returns the primed batch of parent for the relation field being resolved, or a batch
// of that parent alone.
func batchFor(ctx context.Context, parent model.Row) *batch {
	if l := loaderFrom(ctx); l != nil {
		k := batchKey{field: gql.GetFieldContext(ctx).Field.Field, at: parent.QueryAt()}
		l.mu.Lock()
		bs := l.batches[k]
		l.mu.Unlock()
		for _, b := range bs {
			if b.members[parent] {
				return b
			}
		}
	}
	return &batch{parents: []model.Row{parent}}
}

// childFields returns the fields selected on the values of the field being resolved.
func childFields(ctx context.Context, typeName string) []gql.CollectedField {
	if gql.GetFieldContext(ctx) == nil {
		return nil
	}
	return gql.CollectFieldsCtx(ctx, []string{typeName})
}

// connectionFields returns the fields selected on the nodes of a connection (under nodes and
// under edges { node }).
func connectionFields(ctx context.Context, e *catalog.Entity) [][]gql.CollectedField {
	oc := gql.GetOperationContext(ctx)
	var out [][]gql.CollectedField
	for _, f := range childFields(ctx, e.Name+"Connection") {
		switch f.Name {
		case "nodes":
			out = append(out, gql.CollectFields(oc, f.Selections, []string{e.Name}))
		case "edges":
			for _, ef := range gql.CollectFields(oc, f.Selections, []string{e.Name + "Edge"}) {
				if ef.Name == "node" {
					out = append(out, gql.CollectFields(oc, ef.Selections, []string{e.Name}))
				}
			}
		}
	}
	return out
}

// rowsOf converts models to rows.
func rowsOf[T any, P interface {
	*T
	model.Row
}](vs []*T) []model.Row {
	out := make([]model.Row, len(vs))
	for i, v := range vs {
		out[i] = P(v)
	}
	return out
}
