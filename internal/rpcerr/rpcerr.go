package rpcerr

import "strings"

// IsIndexing reports go-ethereum's "transaction indexing is in progress" (a TxIndexingError): the
// answer to a transaction lookup while the node's transaction index has not caught up, e.g. on a
// chain still near genesis. It says neither that the node knows the transaction nor that it does
// not: ask again.
func IsIndexing(err error) bool {
	return err != nil && strings.Contains(err.Error(), "transaction indexing is in progress")
}
