// Package indexer is rahat's reorg-aware indexer: it copies the logs of the manifest's data sources
// from an EVM node into typed, partitioned Postgres tables (see package schema for the tables) and
// hands them, in the same transaction, to Handlers that derive entities.
//
// # Guarantees to Handlers
//
//   - HandleEvents sees every canonical event exactly once, in (block number, log index) order,
//     in batches that never split a block; a batch may span many blocks (a backfill range).
//   - It runs inside the transaction that writes the event rows and moves the checkpoint: if any
//     of them fails, none of it happened, and the same blocks are offered again after a backoff.
//   - A reorg calls Rollback(chainID, ancestor) in the transaction that deletes the rolled-back
//     rows and then applies the new branch (whose events follow through HandleEvents in that same
//     transaction). A handler must be able to undo everything above a block, which is why mutable
//     entities keep block-range versions.
//   - Events are routed by (emitting address -> data source, topic0 -> event of that source's ABI);
//     Event.Contract and Event.Name identify the event. Never switch on Name alone: names collide
//     across contracts (OwnerAdded, Transfer ...).
//
// # Pipeline
//
// Run takes a per-chain Postgres advisory lock (session lock on a connection taken out of the pool;
// a second process waits as a standby and takes over when it is released; a dropped lock session
// cancels writing at once, and every transaction re-checks in pg_locks that the lock's backend still
// holds it, under a row lock on the checkpoint, so two writers can never both commit). It then
// loads the checkpoint and the factory instances and loops:
//
//   - Final blocks (at or below head - finality depth, or the node's finalized/safe block) are
//     backfilled in ranges: a dispatcher hands out ranges of the adaptive size, Concurrency fetchers
//     run eth_getLogs (addresses of every source and instance, topic0 of every event, addresses in
//     chunks), decode and build rows in parallel, and the loop goroutine commits them strictly in
//     order. At most Concurrency+1 ranges are dispatched and uncommitted (every fetcher busy, one
//     range ready for the committer), which bounds memory; rows of a buffered range are kept, its
//     decoded logs are not, and Events are built only for handlers, at commit time. Only the header
//     of each range's last block is read (for the checkpoint hash), plus headers of blocks whose logs
//     lack blockTimestamp (recent geth includes it in every log).
//   - Unfinalised blocks are read with their headers (batched), which must link to each other and
//     to the stored hash of the checkpoint; their logs are read block by block, by block hash (see
//     "Completeness" below), every log must carry its header's block hash, and the last header is
//     read again after the logs, so the logs provably come from the branch whose hashes are
//     stored. Up to MaxLiveBlocks blocks go in one transaction with all their hashes. Final ranges
//     that end within 16 blocks of the head (a small finality depth) are read the same way.
//   - New heads come from eth_subscribe newHeads when a websocket URL is configured; polling covers
//     the time it is down and acts as a safety net while it is up. The head is always read over
//     HTTP from the node the blocks come from.
//
// # Factories
//
// A factory source's event announces instances of another source. Inside a range, the logs of the
// already-known addresses are fetched first; factory events among them yield new instances, whose
// logs alone are then fetched from their creation block to the end of the range, repeatedly until
// no new instance appears (a project created by a factory could itself create contracts). Nothing
// is fetched twice. An instance counts from the start of its creation block, so logs its
// constructor emitted before the factory event (RahatToken's OwnerAdded) are kept. Because ranges
// are fetched in parallel, a range fetched before an earlier range committed an instance is
// supplemented at commit time with just that instance's logs over the range. Instances are stored
// in indexer_instances with their block and rolled back like events.
//
// # Completeness
//
// A node's answer to eth_getLogs over a block range is not proof that it holds every log of every
// block in the range. go-ethereum's log index (v1.16+, "filtermaps"; the dev chain runs it) was
// caught leaving out all logs of a busy block it had just indexed (500 to 3,500 logs, up to 8
// blocks below the head), for a moment and for every client that asked, while the block's header,
// hash and receipts were right and the same query by block hash returned them all. A range
// answer is only checked against the headers, so such a block was committed without its events
// and never read again: that is how ent_beneficiaries once held allocation 0 for beneficiary #2500
// of the API's 10,000-beneficiary distribution (every allocation of the block was lost). The
// unfinalised path therefore asks for logs by block hash (EIP-234), which nodes answer from the
// block's receipts (go-ethereum never uses its log index for it), one call per block, up to
// Concurrency at a time; a block whose logsBloom proves that it holds no log of ours is not asked
// for (an all-zero bloom proves nothing: a node might not fill it). A node that does not know the
// hash (a lagging backend) is waited for. Final ranges deeper than 16 blocks are still read by
// range: in stress runs that showed the fault (clients polling ranges near the head of the dev
// chain, compared with receipts) it never touched a block that deep, and a backfill cannot
// afford a call per block. TestFreshBlockLogsOmitted plays such a node through a proxy.
//
// # Adaptive ranges and retries
//
// A node's "too large" refusal (geth/Infura "query returned more than 10000 results", Alchemy's
// response-size message, "exceed maximum block range: N", HTTP 413 ...) splits the range into
// pieces of the size the node suggests ([from, to] pair or block count in the message) or halves
// it; the shared size grows back by a quarter after four full-size successes, up to MaxBlockRange.
// Timeouts, 429s, 5xx, connection errors and other JSON-RPC errors are retried with exponential
// backoff and full jitter (MaxRetries attempts); beyond that the loop restarts from the checkpoint
// after a backoff. Only a wrong chain id or a bad manifest stops Run.
//
// # Reorgs
//
// When the next block's parent hash differs from the checkpoint's hash (ErrReorg), the stored
// hashes are compared (the live path checks every block; a backfill range checks the parent of its
// first block, so a reorg that happened while the indexer was stopped or behind, and whose blocks
// are final by the time it looks, is found too), newest first, with the node's canonical headers
// (in batches); the highest match is the common ancestor. One transaction then deletes event rows
// above it (a DELETE per event table that touches only the newest partitions), instances and stored
// hashes above it, calls Handler.Rollback, writes the new branch's rows and hashes, runs the
// handlers, logs the reorg in indexer_reorgs, moves the checkpoint and notifies. A node that lags
// (its head at or below ours, or a block it does not have yet) is waited for and never causes a
// rollback; a node whose answers change between calls is asked again. A reorg whose ancestor lies
// below the block that was final when the checkpoint was committed (blocks the indexer treated as
// final were replaced) is an alarm (error log, rahat_indexer_deep_reorgs_total,
// indexer_chains.deep_reorg) but is still rolled back exactly while the hashes are stored
// (KeepBlocks below the final block); one deeper than every stored hash stops indexing with
// has_indexing_errors set rather than keep data it cannot prove canonical. Rows are unique on
// (chain_id, block_number, log_index), and only logs of the stored canonical hashes are written, so
// replayed or duplicated logs never count twice.
//
// # Commits and notifications
//
// Rows go in with COPY (INSERTs for a handful of rows); a duplicate on COPY (never expected) retries
// the transaction through a staging table and INSERT ... ON CONFLICT DO NOTHING. Each transaction
// ends with pg_notify(NotifyChannel, Notification JSON), delivered by Postgres only on commit, so
// subscribers never hear of rows a reorg undid. The checkpoint (indexer_chains) moves in the same
// transaction: a restart resumes exactly where the last commit ended.
//
// # Partitions
//
// Event tables are partitioned by block-number range, PartitionBlocks (default 1,000,000) blocks per
// partition, created before a commit needs them and always one partition ahead, in a short
// transaction of their own. One million blocks is about 4.6 months of Ethereum mainnet and 23
// days of a 2-second chain: a partition holds a bounded slice of history, a table stays under a
// few hundred partitions for years, and rollbacks and recent-block queries touch one or two.
//
// # Raw logs
//
// Raw logs are not kept: every log of interest decodes into its event table, which holds all of
// the log's fields (the topics and data are recoverable from the typed columns and the ABI), so a
// raw copy would double the write volume, the bottleneck of a backfill, for nothing the node cannot
// give again. Logs that match an address and topic0 but do not decode are counted
// (rahat_indexer_undecodable_logs_total) and logged.
package indexer
