// Package evmtest holds a hand-assembled contract for tests that need logs on a chain without
// the Solidity build: Ping emits as many logs as a call asks for, each with the caller and the
// log's number in its call as indexed topics, so a test can filter on either position and check
// the data.
package evmtest
