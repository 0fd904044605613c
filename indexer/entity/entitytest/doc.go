// Package entitytest holds test helpers around the derived entities, shared by the tests of the
// indexer and of its entity layer: the chain-checked assertion that an index is right.
package entitytest
