// Package chainlogs reads a node's logs block by block, by block hash, for tests and the
// oracles they check the indexer, the GraphQL API and the workload against.
//
// A node's eth_getLogs answer over a block range is not proof that it holds every log of the
// range: go-ethereum's log index (filtermaps, on in the dev chain as on a real geth) can leave out
// every log of a busy block it has just indexed, for a moment, while the block's header and
// receipts are right (see the indexer's doc.go, "Completeness"). An oracle that reads ranges near
// the head therefore fails now and then for no fault of the code under test. A query by block
// hash (EIP-234) is answered from the block's receipts, never from the index, so ByBlocks reads
// the header of every block of the range and asks for that block's logs by its hash, a few
// blocks at a time. A block whose logsBloom proves that it holds no matching log is not asked
// for (an all-zero bloom proves nothing: a node might not fill it). The headers must form one
// chain, parent by parent, or ByBlocks fails: logs read across a reorg would mix two branches.
//
// A call per block is slow for long backfills, which is why the indexer still reads deep final
// ranges by range; for tests on the dev chain it costs little.
package chainlogs
