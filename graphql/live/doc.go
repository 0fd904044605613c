// Package live turns the indexer's commit notifications into an ordered, gap-free stream of
// events for GraphQL subscriptions (issue 6). Design notes are in graphql/doc.go, "Subscriptions";
// this package is the part that talks to Postgres.
//
// A Hub holds one dedicated connection (not a pool's) to the primary database, because LISTEN
// lasts as long as its session and NOTIFY does not reach physical replicas, and LISTENs on
// indexer.NotifyChannel. The indexer calls pg_notify inside each indexing transaction, so a
// notification arrives only after, and only if, its commit: nothing a reorg undid is announced.
//
// Right after LISTEN the hub reads every chain's checkpoint (indexer_chains) and the last
// indexer_reorgs id: that is the baseline, from which every later commit is announced. A commit
// made between LISTEN and that read is both in the baseline and notified; its notification is
// recognised as stale (its head is not above the last announced one, or its reorg id not above
// the last) and dropped. When the connection is lost the hub reconnects with exponential backoff
// and catches up the same way: it emits one event per reorg logged meanwhile, then, for each chain
// whose checkpoint moved, one event announcing every block from the last announced (or the lowest
// ancestor since, if lower) to the checkpoint, with the tables unknown. A consumer therefore sees
// every block exactly once in the sense of ranges (after a reorg, again from its ancestor), with no
// gap, whatever happened to the connection.
//
// Consumers take events from a Feed. A feed never blocks the hub and never loses a range: past
// FeedPending events, consecutive block events are merged into one wider event. (Subscribers at
// the far end are bounded differently: see graphql's outbox, which drops a client that does not
// read.)
//
// When GraphQL reads go to a replica, the hub holds each event back until the replica's
// checkpoint has reached its head, for at most ReplicaWait, so that a subscription re-read on
// the replica is never older than the notice that triggered it.
package live
