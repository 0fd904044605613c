package graphql

import (
	"context"
	"fmt"

	gql "github.com/99designs/gqlgen/graphql"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/graphql/query"
)

// The generic resolvers every generated resolver (resolvers_gen.go) calls: each runs the engine,
// then primes the batches of the relations the query selects on what it read.
//
// A subscription re-runs a list field with the same arguments by calling list with the same
// entity name and query.ListArgs (the generated resolver shows how they are built).

func get[T any, P query.RowPtr[T]](ctx context.Context, r *Resolver, entity, id string, block *model.BlockHeight) (*T, error) {
	e := r.entity(entity)
	v, err := query.Get[T, P](ctx, r.eng, e, id, block)
	if err != nil || v == nil {
		return nil, err
	}
	return v, nil
}

func list[T any, P query.RowPtr[T]](ctx context.Context, r *Resolver, entity string, a query.ListArgs) ([]*T, error) {
	e := r.entity(entity)
	rows, err := query.List[T, P](ctx, r.eng, e, a)
	if err != nil {
		return nil, err
	}
	prime(ctx, e, rowsOf[T, P](rows), childFields(ctx, e.Name))
	return rows, nil
}

func paginate[T any, P query.RowPtr[T]](ctx context.Context, r *Resolver, entity string, a query.PageArgs) (query.Page[T], error) {
	e := r.entity(entity)
	p, err := query.Paginate[T, P](ctx, r.eng, e, a)
	if err != nil {
		return p, err
	}
	rows := rowsOf[T, P](p.Rows)
	for _, fields := range connectionFields(ctx, e) {
		prime(ctx, e, rows, fields)
	}
	return p, nil
}

func aggregate[T any, P interface {
	*T
	query.AggregateRow
}](ctx context.Context, r *Resolver, entity string, a query.AggregateArgs) ([]*T, error) {
	// Compute only the statistics the query selects (each is a pass over the numbers).
	a.Stats = map[string][]string{}
	oc := gql.GetOperationContext(ctx)
	for _, f := range childFields(ctx, entity+"_aggregate") {
		switch f.Name {
		case "sum", "min", "max":
			for _, n := range gql.CollectFields(oc, f.Selections, []string{entity + "_numbers"}) {
				a.Stats[f.Name] = append(a.Stats[f.Name], n.Name)
			}
		}
	}
	return query.Aggregate[T, P](ctx, r.eng, r.entity(entity), a)
}

// relation returns the relation of a parent entity's field.
func (r *Resolver) relation(entity, field string) (*catalog.Relation, error) {
	f := r.entity(entity).Field(field)
	if f == nil || f.Rel == nil {
		return nil, fmt.Errorf("%s.%s is not a relation", entity, field)
	}
	return f.Rel, nil
}

// one resolves a to-one relation through the request's batch.
func one[T any, P query.RowPtr[T]](ctx context.Context, r *Resolver, parent model.Row, entity, field string) (*T, error) {
	rel, err := r.relation(entity, field)
	if err != nil {
		return nil, err
	}
	key, ok := query.RelKey(rel, parent)
	if !ok {
		return nil, nil
	}
	b := batchFor(ctx, parent)
	b.once.Do(func() {
		var m map[string]*T
		m, b.err = query.RelatedOne[T, P](ctx, r.eng, rel, parent.QueryAt(), b.parents)
		b.result = m
		if b.err == nil {
			children := make([]*T, 0, len(m))
			for _, v := range m {
				children = append(children, v)
			}
			prime(ctx, rel.Target, rowsOf[T, P](children), childFields(ctx, rel.Target.Name))
		}
	})
	if b.err != nil {
		return nil, b.err
	}
	return b.result.(map[string]*T)[key], nil
}

// many resolves a to-many relation through the request's batch.
func many[T any, P query.RowPtr[T]](ctx context.Context, r *Resolver, parent model.Row, entity, field string, a query.ListArgs) ([]*T, error) {
	rel, err := r.relation(entity, field)
	if err != nil {
		return nil, err
	}
	key, ok := query.RelKey(rel, parent)
	if !ok {
		return []*T{}, nil
	}
	b := batchFor(ctx, parent)
	b.once.Do(func() {
		var m map[string][]*T
		m, b.err = query.RelatedMany[T, P](ctx, r.eng, rel, parent.QueryAt(), b.parents, a)
		b.result = m
		if b.err == nil {
			var children []*T
			for _, vs := range m {
				children = append(children, vs...)
			}
			prime(ctx, rel.Target, rowsOf[T, P](children), childFields(ctx, rel.Target.Name))
		}
	})
	if b.err != nil {
		return nil, b.err
	}
	if vs := b.result.(map[string][]*T)[key]; vs != nil {
		return vs, nil
	}
	return []*T{}, nil
}
