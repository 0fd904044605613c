// Package entity maintains rahat's derived entities (tokens, projects, beneficiaries, vendors,
// claims, balances, offline claims, redemptions) from decoded contract events, inside the
// indexer's transaction, and reads them back for GraphQL, the command API and SMS.
//
// # Block-range versions
//
// Every mutable entity is stored as versions, as graph-node stores them: a row holds the state of
// one key for the blocks in block_range = [from, to), and the current version has no upper bound.
// A change in block b closes the open version at b and opens [b, ∞); several changes of one key
// inside one block make one version (the state at the end of the block). Reading at block N takes
// the version whose range contains N, which gives exact time travel; a rollback to ancestor A
// deletes versions that start above A and reopens those that end above A, which restores the
// state at A exactly. Immutable entities (offline claims, redemptions) carry block_number instead.
// The schema is store/migrations/0015_entities.sql; docs/entities.md describes every column.
//
// # The write path
//
// Backfill hands HandleEvents thousands of events over many blocks at once, so nothing is written
// row by row. One batch runs in three steps:
//
//  1. prepare: walk the events once to collect every key they touch, resolve the claims that
//     OtpAdded and ClaimProcessed refer to (one batched RPC round trip, see below), and read the
//     open versions of all those keys with one SELECT ... WHERE id = ANY($1) per table;
//  2. apply: run the events in (block, log) order against the in-memory state, keeping per key
//     the final value of every block it changed in;
//  3. flush: per table, one UPDATE ... FROM unnest(ids, uppers) closes the open versions that got
//     a successor, and one COPY inserts every new version (those superseded inside the batch go in
//     already closed). Immutable rows go in with COPY too.
//
// Every versioned table has an id column, a digest of the chain id and the natural key (the SQL
// function ent_id computes the same), so that lookups, the closing UPDATE and the exclusion
// constraint work on one fixed-width column: a GiST index over three bytea columns costs several
// times more per write. Id arrays go to the database in chunks of 1,000 per statement (all chunks
// in one round trip): with larger arrays the planner prefers scanning every current version, a cost
// that grows with the table instead of with the batch.
//
// The GiST exclusion index dominates the write cost: a changed key costs one COPY row and one
// UPDATE, and both write a GiST entry and check it for overlaps (BenchmarkTransfers measures it;
// rahat_entity_statement_seconds shows it per table and statement in production).
//
// Amounts are uint256 on chain, numeric in Postgres and *big.Int here; a *big.Int held in state is
// never mutated, only replaced, because snapshots of a value share it.
//
// # What the events do not say
//
// Token name, symbol and decimals, and the name and token of a project indexed without its
// ProjectCreated, are read with eth_call when the entity first appears (Chain.TokenInfo,
// Chain.ProjectInfo), at the hash of the block of that event, so a node that has the block answers.
//
// OtpAdded and ClaimProcessed do not carry the claim id, and the contract lets a vendor open two
// identical claims for one beneficiary, so matching by (vendor, beneficiary, amount) can be
// ambiguous. The handler therefore reads the transaction that emitted the event
// (eth_getTransactionByBlockHashAndIndex: needs no transaction index on the node) and decodes its
// addOtpToClaim(claimId, otpHash, expiresAt) or processClaim(claimId, otp) input, which names the
// claim exactly and gives the code's expiry. When the call was not made directly to the project
// (a multisig or another contract in between), it falls back to the open claims that match the
// event, lowest id first (for a settlement, those with an unexpired code first), and confirms with
// claims(id) read at the event's block: the code's hash for OtpAdded, settled for ClaimProcessed.
// If the node cannot answer for that block (a pruned node) the first match is taken and the claim
// keeps no expiry.
//
// Expiry is a matter of time, not of events: a claim stores state created, code_added or
// processed plus expires_at, and reads as expired at time T when its state is code_added and
// T > expires_at (the contract's own rule). The SQL function ent_claim_state and Claim.StateAt
// compute it; callers pass the timestamp of the block they read.
//
// # Checker
//
// Check recomputes what the chain says through eth_call at a block (balanceOf for every known
// holder, totalSupply, allocation, isBeneficiary, isVendor, tokenBudget, totalAllocated,
// claims(i) and counters) and compares it with the versions valid at that block. Tests use it
// after every scenario, at the head and at past blocks.
package entity
