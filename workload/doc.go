// Package workload deploys Rahat's contracts and plays a realistic, deterministic aid programme on them,
// for tests, the demo (`rahat dev`) and benchmarks.
//
// # What it does
//
// Deploy puts RahatTreasury and RahatProjectFactory on a chain; Deployment.Sources turns the result into the
// indexer's manifest (the two contracts by address, RahatToken and RahatProject as factory sources), and
// UpdateManifest writes that into a rahat.yaml without losing its comments. DeployProject adds one funded
// project with a given admin and OTP server (the REST API's project in `rahat dev`).
//
// A Workload then plays a programme described by a Config (see Profile for the named sizes): the treasury
// creates tokens and funds projects both ways it can (mint-and-approve, pulled by increaseTokenBudget, and
// mint-and-send, recognised by syncTokenBudget); projects register beneficiaries and set their allocations in
// batches, approve vendors, and serve beneficiaries through one-time-code claims (the workload plays the OTP
// server: it draws a code, stores its hash with an expiry, and the vendor submits the code), offline vouchers
// signed by beneficiaries, walk-in enrolments, disbursements, removals, vendor revocations and redemptions.
// With Config.Continuous it keeps going in rounds at Config.Rate operations per second until its context
// ends. Bulk emits a given number of Transfer events as fast as the chain takes them, for the indexer's
// benchmarks.
//
// # Determinism
//
// Every choice (who, how much, which code) comes from one math/rand/v2 PCG seeded with Config.Seed, and
// every key but the deployer's is derived from the seed, so two runs with the same seed and deployer on
// fresh chains send the same transactions in the same order and produce the same logs (addresses, topics,
// data). Only block numbers, hashes and timestamps differ, and with them the code expiries and voucher
// deadlines, which no log carries.
//
// # Sending transactions
//
// The programme is a sequence of steps. A step's transactions depend only on the state left by earlier
// steps, never on each other, so the workload can estimate their gas against the latest block, send them
// all with locally counted nonces (one eth_getTransactionCount per key per workload, none per transaction)
// and then wait once for all receipts; many transactions share a block. A step is sent in waves of at most
// one block's gas target (half its gas limit), with fresh fee caps per wave: blocks kept at target keep
// the base fee flat, whereas minutes of full blocks would raise it 12.5% a block, past what any account
// holds. On a chain that seals blocks on its own the workload polls for receipts; on an on-demand chain
// Options.Seal (e.g. devchain's Mine) is called whenever a receipt is missing.
//
// A node's transaction pool catches up with a new block in the background, so a sender funded by the
// block just sealed may briefly be refused for insufficient funds; submissions retry that for a few
// seconds.
//
// # The model
//
// The workload keeps a model of each project (budget, allocations, vendors' approval and tokens, open
// claims) and plans every operation against it, so it only sends what succeeds: claims and vouchers never
// exceed an allocation, allocations never exceed the free budget, removals skip beneficiaries with an
// open claim. Planning runs one step ahead of the chain and updates the model as if the step succeeds; a
// beneficiary involved in something still in flight (an open claim, a registration in this round) is held
// out of every choice until the round ends. A round is four steps: claims, vouchers, walk-ins and
// disbursements; codes and approvals; claim processing, redemptions, removals and allocations; vendor
// revocations.
//
// Each transaction declares the events it must emit. A receipt whose logs differ from the declaration, or a
// revert, stops the programme with the decoded revert, because the workload's model of the contracts'
// state is then wrong; in the continuous phase it is logged and play goes on. The Summary counts the
// declared events of successful transactions, so tests can compare it with eth_getLogs and with the index.
//
// # Keys and funds
//
// The deployer key is the treasury's and the factory's admin and pays for everything else: before each
// wave it sends ether to every derived sender (project admins, vendors, the OTP server) that could not pay
// for its part of the wave at the wave's fee cap, at least Config.Fund. Funding follows need because the
// base fee follows load: a run of full blocks raises it a hundredfold on the dev chain. Beneficiaries never
// send transactions; their keys only sign offline vouchers. Private keys are never logged: actors appear in
// logs and errors by role name (vendor/2#5) or address.
package workload
