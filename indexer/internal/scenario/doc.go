// Package scenario drives Rahat's contracts on a dev chain for the indexer's tests: it deploys a
// treasury and a project factory, then plays seeded random actions (tokens and projects created
// through the factories, mints, transfers, beneficiaries, allocations) block by block, and performs
// reorgs. It returns the manifest sources that index what it deploys.
package scenario
