package model

import (
	"encoding/binary"
	"math/big"
)

// At is the block a query reads at: the latest indexed state, or the state at block Number.
type At struct {
	Latest bool
	Number int64
}

// LatestBlock reads the latest indexed state.
var LatestBlock = At{Latest: true}

// BlockHeight is TheGraph's Block_height argument: one of a block number, a block hash, or "the
// latest block, provided it is at least number_gte".
type BlockHeight struct {
	Hash      Bytes `json:"hash"`
	Number    *int  `json:"number"`
	NumberGte *int  `json:"number_gte"`
}

// PageInfo tells a connection's client whether more pages exist and where they start.
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

// Meta is TheGraph's _Meta_.
type Meta struct {
	Block             *MetaBlock `json:"block"`
	Deployment        string     `json:"deployment"`
	HasIndexingErrors bool       `json:"hasIndexingErrors"`
}

// MetaBlock is TheGraph's _Block_.
type MetaBlock struct {
	Hash       Bytes `json:"hash"`
	Number     int   `json:"number"`
	Timestamp  *int  `json:"timestamp"`
	ParentHash Bytes `json:"parentHash"`
}

// Row is what every generated entity model implements: the engine scans a row into
// ScanTargets (in the catalog's column order) and records the block it was read at, which
// relations of the row read at too.
type Row interface {
	ScanTargets() []any
	SetQueryAt(At)
	QueryAt() At
	// ColumnValue returns the value of a column read for the row (for relation keys).
	ColumnValue(column string) any
	// ID is the entity's id.
	ID() Bytes
}

// LE32 is a 4-byte little-endian int, TheGraph's concatI32.
func LE32(v int) []byte {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(int32(v)))
	return b[:]
}

// U256 is a whole number as 32 big-endian bytes.
func U256(n BigInt) []byte {
	var b [32]byte
	n.Int().FillBytes(b[:])
	return b[:]
}

// U256Int is U256 of a big.Int.
func U256Int(n *big.Int) []byte {
	var b [32]byte
	n.FillBytes(b[:])
	return b[:]
}

// ConcatID joins an id's parts.
func ConcatID(parts ...[]byte) Bytes {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make(Bytes, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// ptrOf returns a pointer to v when it holds a T, else nil.
func ptrOf[T any](v any) *T {
	if x, ok := v.(T); ok {
		return &x
	}
	return nil
}

func bytesOf(v any) Bytes {
	b, _ := v.(Bytes)
	return b
}
