// Package graphql serves rahat's indexed data in TheGraph's GraphQL dialect, so that dashboards
// written for Rahat's subgraphs work by changing only the URL, and goes beyond it with keyset
// cursors, server-side aggregates and one-query beneficiary and vendor views.
//
// # Layout
//
//	graphql/catalog   the entities and how they map to tables (ABIs via indexer/schema, and the
//	                  hand-written entities.graphql), TheGraph's naming and filter operators
//	graphql/gen       the generator (make generate): schema.graphql, the models, the resolvers
//	graphql/query     the one query engine: validated arguments to parameterised SQL, and back
//	graphql/model     scalars (Bytes, BigInt, BigDecimal, Int8) and the generated models
//	graphql/exec      gqlgen's executable schema (generated)
//	graphql           the handler, the generic resolvers the generated ones call, batching,
//	                  limits, errors, the views
//
// Nothing is written by hand per event: the generated resolvers (resolvers_gen.go) each call one
// of a handful of generic functions (get, list, paginate, aggregate, one, many in resolve.go),
// which call the engine with the entity's catalog description.
//
// # Requests
//
// NewHandler serves POST and GET (GraphQL over HTTP, JSON), automatic persisted queries
// (Apollo's protocol; an LRU of CacheSize queries) and, to a browser's GET, GraphiQL. Every
// request runs under Config.Timeout (the database queries are cancelled with it). Before any
// resolver runs, limits rejects operations deeper than MaxDepth or costlier than MaxComplexity;
// first and skip are checked against query.Limits. Introspection is on unless
// DisableIntrospection.
//
// Errors follow the GraphQL spec (message, locations, path, extensions.code). A client's mistake
// is described (BAD_USER_INPUT, QUERY_TOO_DEEP, QUERY_TOO_COMPLEX, TIMEOUT); an internal failure
// is logged with its detail and reported only as "internal error" (INTERNAL_SERVER_ERROR).
//
// # Batching (no N+1)
//
// Relations of derived entities (a project's beneficiaries, a claim's beneficiary ...) are read
// with one statement per relation and nesting level, for all parents at once; see loader.go for
// how batches are formed without a dataloader's timer.
//
// # Time travel
//
// block: {number} reads event rows up to that block and the entity versions valid at it;
// {hash} resolves the number through indexer_blocks (recent blocks only); {number_gte} reads the
// latest state once the indexer has reached that block, and is an error before. Relations and
// relation filters read at the parent's block.
//
// # Subscriptions (issue 6)
//
// A subscription re-runs a list field with the same arguments: build the same query.ListArgs the
// generated list resolver builds and call list (or query.List) with the same entity name, e.g.
//
//	rows, err := list[model.ClaimCreated](ctx, r.Resolver, "ClaimCreated", query.ListArgs{First: first, Where: where, ...})
//
// Server.GQL is gqlgen's server, to which the websocket and SSE transports can be added.
package graphql
