package indexer

import "github.com/ethereum/go-ethereum/common"

// NotifyChannel is the Postgres LISTEN/NOTIFY channel on which the indexer announces every committed
// transaction. pg_notify is called inside the indexing transaction, so Postgres delivers the
// notification only if, and after, the transaction commits: nothing a reorg undid is announced.
const NotifyChannel = "rahat_blocks"

// Notification is the JSON payload sent on NotifyChannel (well under Postgres' 8000-byte limit).
type Notification struct {
	// ChainID is the chain the commit belongs to.
	ChainID uint64 `json:"chain_id"`
	// From and To are the blocks the commit covered; after a reorg From is Reorg.Ancestor+1.
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
	// Hash, ParentHash and Timestamp are those of block To, the new checkpoint. ParentHash is zero
	// in the notifications of versions before it was added.
	Hash       common.Hash `json:"hash"`
	ParentHash common.Hash `json:"parent_hash"`
	Timestamp  uint64      `json:"timestamp"`
	// Tables lists the event tables that received rows in this commit (sorted), so a listener can
	// skip subscriptions the commit cannot touch. After a reorg, rows may also have been deleted from
	// any table above Reorg.Ancestor.
	Tables []string `json:"tables,omitempty"`
	// Reorg is set when the commit replaced blocks above Reorg.Ancestor.
	Reorg *ReorgNotice `json:"reorg,omitempty"`
}

// ReorgNotice describes a reorg inside a Notification; it is also a row of indexer_reorgs.
type ReorgNotice struct {
	// ID is the indexer_reorgs row id.
	ID int64 `json:"id"`
	// Ancestor is the highest block both branches share; everything above it was rolled back.
	Ancestor uint64 `json:"ancestor"`
	// Depth is how many indexed blocks were removed (old head - ancestor).
	Depth uint64 `json:"depth"`
	// OldHead and OldHash were the checkpoint before the reorg.
	OldHead uint64      `json:"old_head"`
	OldHash common.Hash `json:"old_hash"`
	// Deep reports a reorg deeper than the finality window (an alarm).
	Deep bool `json:"deep,omitempty"`
}

// Commit describes a committed indexing transaction, for Config.OnCommit.
type Commit struct {
	Notification
	// Events is the number of event rows written.
	Events int
}
