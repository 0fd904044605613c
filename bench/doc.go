// Command bench runs rahat's benchmarks on this machine and writes docs/benchmarks.md and
// bench/results.json. Every figure is reported with a baseline measured in the same run (machines are
// noisy; ratios travel better than absolute numbers) and the target, met or not.
//
// Run it with `make bench`; `go run ./bench -only indexer` runs one suite.
package main
