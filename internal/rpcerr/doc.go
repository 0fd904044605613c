// Package rpcerr recognises JSON-RPC answers of go-ethereum nodes that reach a remote client only
// as error text, where the code must tell them from real failures.
package rpcerr
