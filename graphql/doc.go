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
// # Fast path
//
// A POSTed query whose root fields all read scalars of one entity (a list, a lookup by id, a
// connection) is answered by the HTTP handler itself (fastpath_http.go): the document is parsed,
// validated and planned once, and each request binds its variables, checks the limits, runs the
// engine's statements and writes the JSON straight from the rows Postgres sends (fastpath.go,
// fastpath_write.go), byte for byte what gqlgen writes. Everything else, and every request that
// would end in an error, goes through gqlgen as before; the fast path never writes an error.
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
// # Subscriptions
//
// Live queries over websocket (graphql-transport-ws and the legacy graphql-ws) and server-sent
// events, on /graphql itself (ws.go, sse.go); the user's side is in docs/graphql.md. The parts:
//
//	graphql/live        the Hub: one LISTEN connection on the primary, baseline and catch-up,
//	                    an ordered, gap-free event stream per consumer (its doc.go)
//	subscribe.go        the dispatcher of a Server: takes the hub's events in order
//	subscribe_plan.go   a subscription document turned into the equivalent Query document
//	subscribe_group.go  groups of identical subscriptions: their reads and their state
//	subscribe_filter*.go where filters evaluated against a commit's new rows (which groups to skip)
//	subscribe_conn.go   connections, their bounded outboxes, and the writer pool
//
// Live query, not a resolver stream. gqlgen runs a subscription as a resolver that returns a
// channel, marshalled per subscriber. Here a list subscription is validated by gqlgen's executor,
// then rewritten into the Query field of the same name (minus mode, plus block: {number:
// $_rahatLiveBlock}) and re-run through the same executor as HTTP queries: limits, the fast path
// and the error presenter apply unchanged, and a result equals the query's at that block by
// construction. Identical subscriptions (the canonical document, without names, whitespace or
// comments, plus the variables and the mode) form one group: 10,000 subscribers of one
// dashboard cost one read per block and share one []byte. (The auth scope is not part of the key:
// every subscribable field is public chain data, the same for every token; a per-principal field
// would have to add it.) newBlocks and reorgs are rendered once per group and event by gqlgen
// itself, from the event in the context (subscribe_resolver.go).
//
// Ordering and exactness. The dispatcher numbers events as it takes them and sends newBlocks and
// reorgs messages at once; the list stage then brings every list group up to the events it has
// not seen, Readers groups at a time. Each group keeps the block its state is at and the last
// event number it reflects, guarded by a mutex that also serialises a joiner's first read with
// the dispatcher's updates, so a new subscriber gets the result at block B and then exactly the
// changes after B (a group made before the dispatcher has a chain's baseline gets its first
// result at the baseline). Reads are pinned at the notified head, so a later commit never leaks into a
// result early. ROWS reads the rows of the range (at, head] (_change_block at the head, through
// the connection field's cursors, so a range larger than first is paged, not cut); a reorg
// lowers at to its ancestor, so the rows above it come again from the new branch, after the reorgs
// message. Rows are identified by that range partition rather than by a set of ids sent, which
// would grow with every subscription's history.
//
// Which blocks touch a group: an event entity with no relation in its selection or filter only
// when its table got rows (Notification.Tables) that may match its filter (below); derived
// entities (built by the indexer's handler from events) when the commit had any event; an entity
// with a column computed from the block's time on every block; every group after a reorg or a
// catch-up (tables unknown). An untouched group only moves its block. RESULT pushes only when the
// bytes differ from the last pushed.
//
// Filters in memory (subscribe_filter*.go). The notice does not carry rows, and 1,000 monitors
// of one beneficiary each are 1,000 groups, so before the groups of an event run, the list stage
// reads the new rows of each touched event table once (chain, blocks From..head, the columns the
// filters on that table use; at most DefaultMaxScanRows, else none), and each group whose where
// compiled (at plan time, with the scalars' own unmarshallers, so a value means what the SQL
// compares) is re-read only if some new row may match it. An event table is append-only between
// reorgs, so a block none of whose rows passes the filter cannot change a list, an aggregate or a
// ROWS range of it: skipping is exact for RESULT and ROWS alike. The evaluator answers "may match"
// or "does not match" and is conservative: equality, _not, _in, _not_in, the order operators on
// numbers and bytea, eventType and and/or are decided; ids, relation filters, text patterns and
// order, lists, computed columns, NULLs and _change_block are "may match". A group is never
// skipped on a scan that does not cover what it has not seen: a reorg or catch-up (no scan), an
// over-large range, a failed read, a replica whose checkpoint is behind the head (its missing rows
// must not read as non-matching), a range that starts after the group's block. Derived entities
// keep the table-level rule: their rows are versions written by the handler, and a filter on a
// version's columns says nothing about whether an entity left the result, so they are re-read and
// push only if their result changed.
//
// Memory. An idle websocket costs one goroutine (its reader, started fresh after the upgrade so
// net/http's request goroutine and buffers go; operations are started on a short-lived goroutine
// so the reader's stack stays at 4 KB), gorilla's connection with a 512-byte read buffer, and a few
// hundred bytes of ours: about 7.5 KB in all at 10,000 subscribers (BenchmarkIdleSubscriberMemory).
// Writes take pooled 4 KB buffers and run on the writer pool, which has no goroutine while there
// is nothing to write. gqlgen's websocket transport was not used: it keeps several goroutines per
// connection and one per subscription.
//
// Slow consumers. A connection's outbox is bounded (MaxQueued messages, MaxQueuedBytes); a
// client past either is dropped: what it has not read is discarded, each of its operations gets a
// TOO_SLOW error and the socket is closed (a write blocked on it is cut short, so the pool's
// writer is freed). No send ever blocks the dispatcher. The hub's feed to the dispatcher, on the
// other hand, never drops: it merges consecutive block events when it falls behind.
package graphql
