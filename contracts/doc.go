// Package contracts holds Rahat's Solidity contracts and everything built from them.
//
// Layout:
//
//	src/*.sol          the contracts (Solidity 0.8.37, OpenZeppelin 5.7.0)
//	package.json       solc-js and OpenZeppelin, pinned exactly (package-lock.json)
//	build.mjs          standard-JSON compile, optimizer on, evmVersion cancun -> artifacts/<Name>.json
//	build.sh           npm ci + build.mjs + abigen (the go.mod version of go-ethereum); --check for staleness
//	artifacts/*.json   {contractName, abi, bytecode, deployedBytecode}, embedded into this package
//	bindings/          abigen v1 bindings, package bindings, one file per contract
//
// This package embeds the artifacts and answers questions about them: the ABI of a contract, its
// bytecode, which event a log's first topic names, which custom error a revert carries. It also builds the
// values that the claim flows hash or sign (OtpHash, OfflineClaimDigest, SignOfflineClaim).
//
// # The contracts
//
// RahatTreasury creates tokens (RahatToken, one new contract each, TokenCreated) and funds projects by
// minting (TokenMintedAndSent, TokenMintedAndApproved). RahatProjectFactory deploys projects
// (ProjectCreated). Both are factory sources for the indexer: a token's constructor emits OwnerAdded(treasury)
// in the same transaction, before TokenCreated, so an indexer must pick up a child's logs from the block
// (and log index) that created it, not from the next log. A project's constructor emits nothing.
//
// RahatProject runs one project's aid flow for one token. Its roles are admins (beneficiaries, allocations,
// vendors, OTP server, walk-in allowance, budget), vendors (claims, walk-ins, redemption) and one OTP server
// (adds code hashes to claims). Its budget rule: tokenBudget counts the recognised tokens it holds,
// totalAllocated the beneficiaries' remaining allocations, and no allocation may make totalAllocated exceed
// tokenBudget. TokensAllocated sets a beneficiary's remaining allocation; ClaimProcessed,
// OfflineClaimProcessed and TokensDisbursed lower it by their amount.
//
// The artifacts are parsed on first use and kept: they are compiled into the binary and never change, so the
// cache is not mutable state in the sense of STYLE.md.
package contracts
