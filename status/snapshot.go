package status

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/jackc/pgx/v5"
)

// Snapshot is what /status.json answers.
type Snapshot struct {
	// Version is the build serving the page.
	Version string `json:"version"`
	// Time is when the snapshot was read.
	Time time.Time `json:"time"`
	// GraphQLChainID is the chain /graphql serves, whose blocks its newBlocks subscription
	// announces (omitted when unknown).
	GraphQLChainID uint64 `json:"graphql_chain_id,omitempty"`
	// Networks lists the indexed chains.
	Networks []Network `json:"networks"`
	// Reorgs lists the most recent reorgs over every chain, newest first.
	Reorgs []Reorg `json:"reorgs"`
	// Events lists the most recent indexed events, newest first (the page shows them until the
	// GraphQL subscription streams newer ones, and while it cannot).
	Events []Event `json:"events"`
}

// Network is one indexed chain.
type Network struct {
	ChainID uint64 `json:"chain_id"`
	Name    string `json:"name"`
	// IndexedBlock is the checkpoint: every event up to it is committed (start block - 1 before any).
	IndexedBlock     int64  `json:"indexed_block"`
	IndexedTimestamp *int64 `json:"indexed_timestamp"`
	// HeadBlock and FinalizedBlock are the node's, as the indexer last saw them (null before it has).
	HeadBlock      *int64 `json:"head_block"`
	FinalizedBlock *int64 `json:"finalized_block"`
	// Lag is how many blocks the checkpoint trails the head.
	Lag       int64 `json:"lag"`
	HasErrors bool  `json:"has_errors"`
	DeepReorg bool  `json:"deep_reorg"`
	// UpdatedAt is when the indexer last wrote the chain's row.
	UpdatedAt time.Time `json:"updated_at"`
	// EventsPerSecond is the rate at which events were indexed over ThroughputSeconds (the window,
	// or less since this process started listening); null while it is not listening.
	EventsPerSecond   *float64 `json:"events_per_second"`
	ThroughputSeconds float64  `json:"throughput_seconds"`
}

// Reorg is one row of indexer_reorgs.
type Reorg struct {
	ChainID    uint64        `json:"chain_id"`
	Ancestor   int64         `json:"ancestor"`
	Depth      int64         `json:"depth"`
	OldHead    int64         `json:"old_head"`
	OldHash    hexutil.Bytes `json:"old_hash"`
	NewHead    int64         `json:"new_head"`
	NewHash    hexutil.Bytes `json:"new_hash"`
	Deep       bool          `json:"deep"`
	DetectedAt time.Time     `json:"detected_at"`
}

// Event is one indexed event, by where it is and what it is.
type Event struct {
	ChainID uint64 `json:"chain_id"`
	// Event is the event's name in its ABI (eventType in GraphQL); Source names the contract
	// (its data source in the manifest).
	Event     string        `json:"event"`
	Source    string        `json:"source"`
	Contract  hexutil.Bytes `json:"contract"`
	Block     int64         `json:"block_number"`
	LogIndex  int32         `json:"log_index"`
	TxHash    hexutil.Bytes `json:"tx_hash"`
	Timestamp int64         `json:"block_timestamp"`
}

// eventTable is an entry of indexer_event_tables.
type eventTable struct{ name, source, event string }

// Snapshot reads the status now, bypassing the cache.
func (s *Server) Snapshot(ctx context.Context) (Snapshot, error) {
	snap := Snapshot{Version: s.cfg.Version, Time: s.cfg.Now().UTC(), GraphQLChainID: s.cfg.ChainID,
		Networks: []Network{}, Reorgs: []Reorg{}, Events: []Event{}}
	db := s.cfg.DB
	rows, err := db.Query(ctx, networksSQL)
	if err != nil {
		return snap, fmt.Errorf("reading indexer_chains: %w", err)
	}
	snap.Networks, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Network, error) {
		var n Network
		err := r.Scan(&n.ChainID, &n.Name, &n.IndexedBlock, &n.IndexedTimestamp, &n.HeadBlock, &n.FinalizedBlock,
			&n.HasErrors, &n.DeepReorg, &n.UpdatedAt)
		if n.HeadBlock != nil {
			n.Lag = max(*n.HeadBlock-n.IndexedBlock, 0)
		}
		return n, err
	})
	if err != nil {
		return snap, fmt.Errorf("reading indexer_chains: %w", err)
	}
	if rows, err = db.Query(ctx, reorgsSQL, s.cfg.Reorgs); err != nil {
		return snap, fmt.Errorf("reading indexer_reorgs: %w", err)
	}
	snap.Reorgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Reorg, error) {
		var g Reorg
		err := r.Scan(&g.ChainID, &g.Ancestor, &g.Depth, &g.OldHead, (*[]byte)(&g.OldHash), &g.NewHead, (*[]byte)(&g.NewHash), &g.Deep, &g.DetectedAt)
		return g, err
	})
	if err != nil {
		return snap, fmt.Errorf("reading indexer_reorgs: %w", err)
	}
	if rows, err = db.Query(ctx, catalogSQL); err != nil {
		return snap, fmt.Errorf("reading indexer_event_tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (eventTable, error) {
		var t eventTable
		err := r.Scan(&t.name, &t.source, &t.event)
		return t, err
	})
	if err != nil {
		return snap, fmt.Errorf("reading indexer_event_tables: %w", err)
	}

	listening, span, ranges := s.meter.ranges(s.cfg.Now(), s.cfg.Window)
	listening = listening && s.cfg.Hub != nil && s.cfg.Hub.Status().Listening
	for i := range snap.Networks {
		n := &snap.Networks[i]
		events, err := s.recentEvents(ctx, n.ChainID, tables)
		if err != nil {
			return snap, err
		}
		snap.Events = append(snap.Events, events...)
		if !listening {
			continue
		}
		count, err := s.countEvents(ctx, n.ChainID, ranges[n.ChainID], tables)
		if err != nil {
			return snap, err
		}
		rate := float64(count) / span.Seconds()
		n.EventsPerSecond, n.ThroughputSeconds = &rate, span.Seconds()
	}
	if snap.GraphQLChainID == 0 && len(snap.Networks) == 1 {
		snap.GraphQLChainID = snap.Networks[0].ChainID // GraphQL serves the only chain
	}
	sort.SliceStable(snap.Events, func(i, j int) bool { return snap.Events[i].Timestamp > snap.Events[j].Timestamp })
	if len(snap.Events) > s.cfg.Events {
		snap.Events = snap.Events[:s.cfg.Events]
	}
	return snap, nil
}

// recentEvents reads the newest events of one chain over every event table, in one statement.
func (s *Server) recentEvents(ctx context.Context, chainID uint64, tables []eventTable) ([]Event, error) {
	if len(tables) == 0 || s.cfg.Events == 0 {
		return nil, nil
	}
	parts := make([]string, len(tables))
	for i, t := range tables {
		parts[i] = fmt.Sprintf(recentPart, i, pgx.Identifier{t.name}.Sanitize())
	}
	rows, err := s.cfg.DB.Query(ctx, fmt.Sprintf(recentSQL, strings.Join(parts, "\nUNION ALL\n")), int64(chainID), s.cfg.Events)
	if err != nil {
		return nil, fmt.Errorf("reading recent events of chain %d: %w", chainID, err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var (
			e Event
			t int
		)
		err := r.Scan(&t, (*[]byte)(&e.Contract), &e.Block, &e.LogIndex, (*[]byte)(&e.TxHash), &e.Timestamp)
		if err == nil && t >= 0 && t < len(tables) {
			e.ChainID, e.Event, e.Source = chainID, tables[t].event, tables[t].source
		}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading recent events of chain %d: %w", chainID, err)
	}
	return events, nil
}

// countEvents counts the rows the commits of the window wrote on one chain: the tables they name
// (those still in the catalog), over the blocks they covered.
func (s *Server) countEvents(ctx context.Context, chainID uint64, r blockRange, tables []eventTable) (int64, error) {
	var parts []string
	for _, t := range tables {
		if r.all || r.tables[t.name] {
			parts = append(parts, fmt.Sprintf(countPart, pgx.Identifier{t.name}.Sanitize()))
		}
	}
	if len(parts) == 0 {
		return 0, nil
	}
	var n int64
	q := fmt.Sprintf(countSQL, strings.Join(parts, "\nUNION ALL\n"))
	if err := s.cfg.DB.QueryRow(ctx, q, int64(chainID), int64(r.from), int64(r.to)).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting events of chain %d in blocks %d-%d: %w", chainID, r.from, r.to, err)
	}
	return n, nil
}
