package graphql

import (
	"context"
	"fmt"
	"math/big"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/exec"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/graphql/query"
)

// Resolver is the root of every resolver. It holds no per-request state (that lives in the
// request's context: the loader).
type Resolver struct {
	eng        *query.Engine
	cat        *catalog.Catalog
	deployment string
	ops        *ops // the operational fields (ops.go); nil answers them UNAUTHENTICATED
}

var _ exec.ResolverRoot = (*Resolver)(nil)

// NewResolver returns the resolver root over an engine. deployment is what _meta reports.
func NewResolver(eng *query.Engine, deployment string) *Resolver {
	return &Resolver{eng: eng, cat: eng.Catalog(), deployment: deployment}
}

// Engine returns the query engine, for subscriptions that re-run list queries.
func (r *Resolver) Engine() *query.Engine { return r.eng }

// entity returns the catalog entity a generated resolver names; checkModels guarantees it exists.
func (r *Resolver) entity(name string) *catalog.Entity { return r.cat.Entity(name) }

// checkModels refuses a catalog the generated models do not match (the ABIs or entities.graphql
// changed without `make generate`): rows would be scanned into the wrong fields.
func checkModels(cat *catalog.Catalog) error {
	fp := model.Fingerprints()
	for _, e := range cat.Entities {
		if fp[e.Name] != e.Fingerprint() {
			return fmt.Errorf("graphql: the generated code does not match entity %s: run make generate", e.Name)
		}
	}
	if len(fp) != len(cat.Entities) {
		return fmt.Errorf("graphql: the generated code has %d entities, the catalog %d: run make generate", len(fp), len(cat.Entities))
	}
	return nil
}

// Query returns the root query resolver.
func (r *Resolver) Query() exec.QueryResolver { return &queryResolver{r} }

type queryResolver struct{ *Resolver }

// Meta answers _meta.
func (r *queryResolver) Meta(ctx context.Context, block *model.BlockHeight) (*model.Meta, error) {
	return r.eng.Meta(ctx, r.deployment, block)
}

// sum adds BigInt fields.
func sum[T any](rows []*T, f func(*T) model.BigInt) model.BigInt {
	total := new(big.Int)
	for _, r := range rows {
		total.Add(total, f(r).Int())
	}
	return model.BigInt(total.String())
}

func ptr[T any](v T) *T { return &v }
