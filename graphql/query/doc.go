// Package query is the one place where GraphQL arguments become SQL: it builds statements for the
// entities of graphql/catalog from TheGraph's list arguments (first, skip, orderBy,
// orderDirection, where, block) and ours (cursors, aggregates, batched relations), runs them, and
// scans rows into the generated models.
//
// # Safety
//
// Statements are assembled from three sources only: identifiers from the catalog (table and column
// names that come from the ABIs through indexer/schema, or from entities.graphql), quoted with
// pgx.Identifier; constant SQL fragments written in this package; and placeholders. Every value a
// client sends (filter values, cursors, ids, block numbers) is a parameter, with an explicit cast.
// Where keys are looked up in the entity's filter table, never interpolated. The one exception is
// first and skip: integers checked against the limits, written as literals so that the planner
// sees the LIMIT (see limitSQL).
//
// # Shapes
//
//	list       SELECT cols FROM t AS t0 WHERE t0.chain_id = $1 AND <block> AND <where> ORDER BY <keys> LIMIT OFFSET
//	by id      the same, WHERE the id's parts equal the given id's (tx_hash and log_index for events)
//	page       the same plus a keyset condition (k1, k2, ...) > (cursor values), first+1 rows
//	aggregate  SELECT groups, count(*), sum/min/max ... GROUP BY groups
//	relation   one statement per relation and nesting level for all parents (a lateral join for lists)
//
// <block> is nothing for the latest state of events (every stored row is canonical),
// block_number <= N at block N, upper_inf(block_range) for the current version of an entity and
// block_range @> N at block N (reached through the current versions when the query names
// entities by key columns: see viaCurrent). Relations and relation filters read at the parent's
// block.
//
// Rows are scanned into the generated models, or, for the handler's fast path, handed over as
// the raw values Postgres sent (ListRaw, GetRaw; raw.go). Integer columns read as BigInt are not
// cast to text (BigInt.Scan formats them), and the text of a lookup by id is kept per entity:
// both are in every request's cost.
//
// Orders always end with the entity's key (block_number, log_index for events), so every order is
// total and a cursor names one position; see sortKeys for the two rewrites that keep orders on
// indexes. A missing event table (the indexer creates them at its start) reads as no rows.
//
// # Merging under load
//
// The raw reads run through a coalescer (coalesce.go): while a statement text has
// Limits.CoalesceSlots executions in flight, further executions of the same text (the same query
// shape with other values) wait for the next free slot together and run as one statement, the
// original once per set of values in a lateral join over unnest(<one array per placeholder>).
// Each caller is answered as soon as its rows have been read, while the statement goes on for
// the others. Unloaded, every read runs alone; loaded, Postgres gets fewer, larger statements, which is where
// most of a lookup's cost went (the round trip, not the index probe).
package query
