// Package catalog describes every entity the GraphQL API serves and how each maps to Postgres: one
// place that both the schema generator (graphql/gen) and the query engine (graphql/query) read, so
// the published schema, the generated Go and the SQL cannot disagree.
//
// Event entities come from the contracts' ABIs through indexer/schema, the package that also gives
// the indexer its table and column names; they follow TheGraph's scaffolding: a type per event
// (prefixed with the contract's name where two contracts share an event name), id = transaction
// hash ‖ log index as 4 little-endian bytes, the parameters named as in the ABI (unnamed ones
// param<i>), blockNumber, blockTimestamp, transactionHash, plus contractAddress and eventType.
//
// Derived entities (tokens, projects, beneficiaries ...) are written by hand in entities.graphql,
// whose storage directives (@entity, @column, @ref, @derivedFrom, @aggregate) say which table and
// columns hold them; the published schema does not carry those directives.
//
// The catalog also holds TheGraph's naming rules (claimCreated / claimCreateds), the filter
// operators each field type offers, and which fields can order, group and be summed.
package catalog
