// Package devchain runs an EVM chain in-process and serves it over JSON-RPC on localhost (HTTP
// and websocket on one port), so that rahat's indexer, deploy tool and tests talk to it exactly
// as to a real node: eth_*, net_*, web3_*, txpool_*, eth_subscribe (newHeads, logs), batches,
// the `safe` and `finalized` tags, and blockTimestamp in logs. A `dev` namespace drives it over
// the wire: dev_mine, dev_reorg, dev_setBlockInterval, dev_increaseTime, dev_head, dev_accounts
// (see devAPI). `rahat chain` runs it alone; `rahat dev` starts it when no RPC URL is configured.
//
// # Assembly
//
// Start builds the node the way go-ethereum's ethclient/simulated does internally (node.New,
// eth.New, the filter API), plus the dev API, but drives block production itself instead of
// using catalyst.SimulatedBeacon. The simulated beacon logs and swallows sealing errors, marks
// `finalized` only every 32 blocks with `safe` equal to the head, and its Fork moves the head
// back visibly; the engine API's own methods reject this dev genesis's fork set. Here a block is
// built with miner.BuildTestingPayload (one synchronous build, from the pool or from an exact
// list of transactions), stored with BlockChain.InsertBlockWithoutSetHead (which executes and
// validates it) and made canonical with SetCanonical, which emits the same chain, head, log and
// removed-log events a consensus client's forkchoice update would. All production (timer,
// auto-mine, Mine, Reorg) is serialised by a one-slot semaphore, so a reorg never interleaves
// with the sealing of a block.
//
// # Blocks and time
//
// BlockInterval 0 means blocks only on demand (Mine/dev_mine); a positive interval seals a block
// every interval, empty or not; AutoMine additionally seals as soon as transactions arrive. The
// timestamp of a block is max(now+IncreaseTime offset, parent+1) in whole seconds: producing
// more than one block per second runs timestamps ahead of the wall clock, so an indexer's
// "lag in seconds" on the dev chain can be negative.
//
// # Finality
//
// `safe` trails the head by SafeDepth (default 32) and `finalized` by FinalityDepth (default 64)
// blocks, genesis while the chain is younger; neither moves backwards while it is still
// canonical. A reorg of depth <= FinalityDepth therefore never replaces a finalized block (a
// 64-deep reorg forks exactly at the finalized block). Deeper reorgs are allowed, replace
// finalized blocks and move `finalized` onto the new branch: that is the case an indexer must
// raise an alarm for.
//
// # Reorgs
//
// Reorg(depth, newBlocks) forks at head-depth and builds a different branch of newBlocks >
// depth blocks (new hashes even when empty: prevRandao, timestamp and extra data differ).
// Default (atomic) mode builds the branch on the side and switches to it at once, like a real
// post-merge reorg: newHeads delivers only the new tip, eth_subscribe logs delivers the old
// logs with removed=true. With ReorgOptions.Before (or for depths over 128, whose ancestor state
// the path-based state database no longer holds) the head is first set back to the ancestor,
// visibly, and the branch is sealed block by block. Transactions of the replaced blocks are
// dropped by default: not on the branch and purged from the pool, into which go-ethereum
// re-injects them; Reinclude puts them on the branch instead. Transactions waiting in the pool
// at the time of a reorg stay there.
//
// # Measurements
//
// BenchmarkGetLogs reads 100,000 Ping logs (2 topics, 32 bytes of data, ~560 bytes of JSON each)
// in 250 blocks over HTTP. On the shared 2-core machine wall-clock throughput swung by 2x
// between runs (15,000-100,000 logs/s), so the stable figure is CPU per log, node and client
// together since they share the process: about 14 us with the raw JSON kept, 20 us decoded into
// types.Log by ethclient; go-ethereum's gzip of responses (Go clients ask for it) adds 2-3 us.
// Range size (10-250 blocks), JSON-RPC batches and concurrent requests change nothing: the cost
// is JSON encoding and decoding, not the database. An unloaded 2-core machine therefore tops
// out near 70,000 logs/s for one client. The log index (on by default, as in geth) does not
// help these dense ranges (about 2 us/log more, within noise) but makes a sparse query
// (BenchmarkGetLogsSparse: 20 matching blocks in 20,000) 25x faster, 4.5 ms instead of 115 ms.
// Its price is block production: about 2.6 ms instead of 1 ms per empty block and about 20%
// on log-heavy blocks (roughly 110,000 instead of 130,000 logs/s sealed); set NoLogIndex where
// sealing speed matters more. Reproduce: go test ./devchain -run '^$' -bench GetLogs -benchtime 3x
//
// # The log index and its readers
//
// go-ethereum's log index (filtermaps) is on, as on a real geth node (Config.NoLogIndex turns it
// off), so eth_getLogs over a block range is answered the way production nodes answer it,
// faults included: for a moment after sealing, a range answer can leave out every log of a fresh
// busy block (seen with 500 to 3,500 logs, up to 8 blocks below the head) while the block's
// header and receipts are right. A query by block hash (EIP-234) is answered from the receipts
// and is complete. Anything that must see every log near the head (the indexer's unfinalised
// blocks, test oracles) therefore reads by hash, block by block: internal/chainlogs.ByBlocks
// does it for tests. See the indexer's doc.go, "Completeness".
//
// # Limits a client meets, as on a real geth
//
// Batches are limited to 1,000 calls and 25 MB of response ("response too large"), request
// bodies to 5 MB; a transaction may not exceed 128 KB nor use more than 16,777,216 gas
// (EIP-7825, Osaka is active), whatever the 60M block gas limit. The fee cap on submitted
// transactions is lifted and the pool holds 4,096 pending transactions per account.
//
// # Operations
//
// Port 0 lets the kernel choose; read the URLs from HTTPURL/WSURL. Close waits for an operation
// in flight; go-ethereum's graceful HTTP shutdown can then take up to 5 s when a client holds a
// keep-alive connection on which it never sent a request. go-ethereum's own logs go to its
// global logger (discarded unless the binary installs one); this package logs to Config.Logger.
// go-ethereum's core package starts a fixed pool of NumCPU sender-recovery goroutines once per
// process, which a goroutine-leak check must tolerate.
package devchain
