// Package dbcompare compares the indexed content of two databases row for row, for tests that
// check an index built through reorgs, crashes or faulty nodes against a fresh index of the final
// chain.
package dbcompare
