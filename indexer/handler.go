package indexer

import (
	"context"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
)

// Event is one decoded, canonical contract log as the indexer hands it to a Handler.
type Event struct {
	// ChainID is the chain the log was emitted on.
	ChainID uint64
	// Source is the name of the data source (config.Source.Name) the emitting address belongs to.
	Source string
	// Contract is the ABI name of the emitting contract (config.Source.Contract, e.g. "RahatProject").
	Contract string
	// Name is the event's name in that ABI (e.g. "TokensAllocated"). Names collide across contracts:
	// always switch on (Contract, Name), never on Name alone.
	Name string
	// Address is the emitting contract's address.
	Address common.Address
	// BlockNumber, BlockHash and BlockTime (unix seconds) identify the block that holds the log.
	BlockNumber uint64
	BlockHash   common.Hash
	BlockTime   uint64
	// TxHash and TxIndex identify the transaction; LogIndex is the log's index within the block.
	TxHash   common.Hash
	TxIndex  uint
	LogIndex uint
	// Args holds every event parameter by its ABI name, decoded to go-ethereum's abi types:
	// common.Address, *big.Int (every uintN/intN wider than 64 bits and, for uniformity, all of them),
	// bool, []byte, [N]byte, string, and slices/arrays of those. Indexed dynamic parameters (string,
	// bytes, arrays) cannot be recovered from a log; they appear as their topic, a common.Hash.
	Args map[string]any
}

// Handler derives state from events. The indexer calls it inside its own database transaction, so
// everything a Handler writes commits or rolls back together with the event rows and the checkpoint.
type Handler interface {
	// HandleEvents runs inside the indexing transaction with a batch of canonical events in
	// (block, log index) order. It is called exactly once per canonical event, never for a block
	// that has been rolled back, and may be called with events of several blocks at once.
	// Returning an error aborts the transaction; the indexer retries the same batch later.
	HandleEvents(ctx context.Context, tx pgx.Tx, events []Event) error
	// Rollback undoes every effect of blocks above ancestor (block_number > ancestor) on chainID,
	// inside the reorg transaction, before the new branch's events are handed to HandleEvents.
	Rollback(ctx context.Context, tx pgx.Tx, chainID, ancestor uint64) error
}
