package live

import (
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Head is an indexed head: the checkpoint after a commit.
type Head struct {
	Number    uint64
	Hash      common.Hash
	Timestamp uint64
	// ParentHash is zero when unknown: in events made from the database (a baseline, a catch-up
	// after a reconnection) and in notifications of indexers that did not send it.
	ParentHash common.Hash
}

// Reorg is a reorg the indexer handled (a row of indexer_reorgs).
type Reorg struct {
	// ID is the indexer_reorgs row id; ids grow with time across chains.
	ID int64
	// Ancestor is the highest block both branches share; everything above it was rolled back.
	Ancestor uint64
	// Depth is how many indexed blocks were removed (OldHead - Ancestor).
	Depth uint64
	// OldHead and OldHash were the checkpoint before the reorg.
	OldHead uint64
	OldHash common.Hash
	// NewHead and NewHash were the checkpoint the reorg's commit set.
	NewHead uint64
	NewHash common.Hash
	// Deep reports a reorg deeper than the finality window.
	Deep bool
}

// Event is what the hub tells its feeds, in commit order per chain.
//
// A live notification becomes one Event that announces the blocks From..Head.Number (and, after a
// reorg, carries the Reorg: everything above Reorg.Ancestor was replaced first). Two more kinds
// announce no blocks (From > Head.Number): a Baseline, the first event of a feed for each chain
// the hub knows, which says where the feed starts; and, during a catch-up after the listener
// reconnected, one Event per reorg missed, followed by one that announces every block from the
// last one announced (or the lowest ancestor, if lower) to the checkpoint.
type Event struct {
	// ChainID is the chain.
	ChainID uint64
	// Head is the indexed head after the event (for a synthesized reorg, the head its commit set).
	Head Head
	// From is the first block announced; From > Head.Number when the event announces none.
	From uint64
	// Tables lists the event tables that received rows (sorted); meaningful unless AllTables.
	Tables []string
	// AllTables is set when the tables are unknown (a catch-up, merged events): any table may
	// have changed.
	AllTables bool
	// Reorg is set when blocks above Reorg.Ancestor were rolled back before this event's blocks.
	Reorg *Reorg
	// Baseline marks a feed's starting point for a chain.
	Baseline bool
	// CatchUp marks an event synthesized after the listener reconnected.
	CatchUp bool
	// Received is when the hub received the notification (or synthesized the event): the
	// commit time, give or take Postgres' delivery, from which delivery latency is measured.
	Received time.Time
}

// Announces reports whether the event announces committed blocks.
func (e *Event) Announces() bool { return e.From <= e.Head.Number }

// Touches reports whether the event may have changed rows of table: a reorg may have deleted
// rows anywhere above its ancestor, and unknown tables may be any.
func (e *Event) Touches(table string) bool {
	if e.AllTables || e.Reorg != nil {
		return true
	}
	_, ok := slices.BinarySearch(e.Tables, table)
	return ok
}

// Empty reports an event that announces blocks with no event rows and no reorg: only time moved.
func (e *Event) Empty() bool { return !e.AllTables && e.Reorg == nil && len(e.Tables) == 0 }

// merge folds next (a plain block event of the same chain that follows e) into e, so that a
// consumer that fell behind sees one event covering both ranges instead of losing one.
func (e *Event) merge(next *Event) {
	e.Head = next.Head
	e.CatchUp = e.CatchUp || next.CatchUp
	switch {
	case e.AllTables || next.AllTables:
		e.AllTables, e.Tables = true, nil
	default:
		e.Tables = union(e.Tables, next.Tables)
	}
}

// mergeable reports whether next may be folded into e: both announce blocks of the same chain and
// next replaced nothing (a reorg is always delivered as its own event).
func (e *Event) mergeable(next *Event) bool {
	return e.ChainID == next.ChainID && e.Announces() && next.Announces() && next.Reorg == nil && !e.Baseline && !next.Baseline
}

func union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	out = append(out, a...)
	out = append(out, b...)
	slices.Sort(out)
	return slices.Compact(out)
}
