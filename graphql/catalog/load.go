package catalog

import (
	_ "embed"
	"fmt"

	"github.com/rahataid/rahat/contracts"
)

// EntitiesSDL is the hand-written derived-entity schema, with its storage directives.
//
//go:embed entities.graphql
var EntitiesSDL string

// CommonSDL declares TheGraph's scalars and the types every subgraph schema has (Block_height,
// _Meta_, OrderDirection ...) plus ours (PageInfo, Aggregation_interval).
//
//go:embed common.graphql
var CommonSDL string

// ViewsSDL declares the hand-written query fields beyond the entities (beneficiary and vendor
// views).
//
//go:embed views.graphql
var ViewsSDL string

// Default returns the catalog of rahat's contracts (package contracts) and entities.graphql.
func Default() (*Catalog, error) {
	return Load(contracts.Names(), contracts.ABI, EntitiesSDL)
}

// Load builds a catalog: the derived entities of the entities SDL, then one event entity per
// event of each named contract.
func Load(contractNames []string, abis ABISource, entitiesSDL string) (*Catalog, error) {
	doc, err := ParseEntities(entitiesSDL)
	if err != nil {
		return nil, err
	}
	derived, err := derivedEntities(doc)
	if err != nil {
		return nil, err
	}
	c := &Catalog{}
	taken := map[string]bool{}
	for _, e := range derived {
		if err := c.add(e); err != nil {
			return nil, err
		}
		taken[e.Name] = true
	}
	events, err := eventEntities(contractNames, abis, taken)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if err := c.add(e); err != nil {
			return nil, err
		}
	}
	fields := map[string]string{}
	for _, e := range c.Entities {
		if err := e.index(); err != nil {
			return nil, err
		}
		for _, n := range []string{e.Single, e.Plural} {
			if other, dup := fields[n]; dup {
				return nil, fmt.Errorf("query field %s is claimed by %s and %s", n, other, e.Name)
			}
			fields[n] = e.Name
		}
	}
	return c, nil
}
