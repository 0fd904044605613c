package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Indexer indexes the configured sources of one network into Postgres. Create it with New and
// start it with Run.
type Indexer struct {
	cfg Config
	cat *catalog
	m   *metrics
	log *slog.Logger

	mu      sync.Mutex
	status  Status
	changed chan struct{} // closed and replaced on every status change
}

// Status is the indexer's view of its progress.
type Status struct {
	// Active reports that this process holds the writer lock.
	Active bool
	// Standby reports that another process holds the lock and this one waits to take over.
	Standby bool
	// Indexed is the checkpoint: every event up to and including this block is committed. Valid when
	// HasIndexed is true.
	Indexed    uint64
	HasIndexed bool
	// Hash is block Indexed's hash.
	Hash common.Hash
	// Head and Final are the node's head and the block treated as final, when last seen.
	Head  uint64
	Final int64
	// Reorgs counts reorgs handled by this process.
	Reorgs int
	// LastErr is the error that last restarted the loop, if any.
	LastErr error
	// CoveringReady reports that every partition has its covering indexes (Config.CoveringIndexes),
	// built by this process since it started.
	CoveringReady bool
}

// permanentError stops Run: retrying cannot help (bad configuration, wrong chain).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// New checks the configuration and resolves the sources' ABIs; it does no I/O.
func New(cfg Config) (*Indexer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("indexer config: %w", err)
	}
	cat, err := newCatalog(cfg.Sources, cfg.ABI)
	if err != nil {
		return nil, fmt.Errorf("indexer config: %w", err)
	}
	ix := &Indexer{
		cfg:     cfg,
		cat:     cat,
		m:       newMetrics(cfg.Registry),
		log:     cfg.Logger.With("network", cfg.Network.Name, "chain_id", cfg.Network.ChainID),
		changed: make(chan struct{}),
		status:  Status{Final: -1},
	}
	return ix, nil
}

// Status returns the current status.
func (ix *Indexer) Status() Status {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.status
}

func (ix *Indexer) update(f func(*Status)) {
	ix.mu.Lock()
	f(&ix.status)
	close(ix.changed)
	ix.changed = make(chan struct{})
	ix.mu.Unlock()
}

// WaitFor blocks until cond holds for the status (checked after every change) or ctx ends.
func (ix *Indexer) WaitFor(ctx context.Context, cond func(Status) bool) (Status, error) {
	for {
		ix.mu.Lock()
		st, ch := ix.status, ix.changed
		ix.mu.Unlock()
		if cond(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("waiting for indexer (at block %d): %w", st.Indexed, ctx.Err())
		case <-ch:
		}
	}
}

// WaitIndexed blocks until block n is committed or ctx ends.
func (ix *Indexer) WaitIndexed(ctx context.Context, n uint64) error {
	_, err := ix.WaitFor(ctx, func(s Status) bool { return s.HasIndexed && s.Indexed >= n })
	return err
}

// Run indexes until ctx is cancelled: it waits for the writer lock (standby), backfills from the
// checkpoint to the head, then follows new blocks. Errors restart it from the checkpoint after a
// backoff; only a configuration error (e.g. the node reports another chain) ends it. On
// cancellation, a transaction being written is finished first; Run then returns nil.
func (ix *Indexer) Run(ctx context.Context) error {
	failures := 0
	for {
		started := time.Now()
		err := ix.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var pe *permanentError
		if errors.As(err, &pe) {
			ix.log.Error("indexer stopped", "err", err)
			return err
		}
		if time.Since(started) > 2*ix.cfg.RetryMax {
			failures = 0
		}
		d := backoff(ix.cfg.RetryBase, ix.cfg.RetryMax, failures)
		failures++
		cause := "error"
		switch {
		case errors.Is(err, errLockLost):
			cause = "lock_lost"
		case errors.Is(err, errDeepReorg):
			cause = "deep_reorg"
		}
		ix.m.writerState.WithLabelValues(ix.cfg.Network.Name, cause).Inc()
		ix.log.Error("indexing interrupted; restarting from the checkpoint", "err", err, "cause", cause, "retry_in", d)
		ix.update(func(s *Status) { s.LastErr = err; s.Active = false })
		if cause == "error" {
			ix.recordError(ctx, err)
		}
		if sleep(ctx, d) != nil {
			return nil
		}
	}
}

// recordError sets has_indexing_errors for _meta, best effort.
func (ix *Indexer) recordError(ctx context.Context, err error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_, _ = ix.cfg.DB.Exec(cctx, `UPDATE indexer_chains SET has_indexing_errors = true, last_error = $2, updated_at = now() WHERE chain_id = $1`,
		int64(ix.cfg.Network.ChainID), err.Error())
}

// run is one tenure of the writer lock: everything is (re)loaded from the database at its start.
type run struct {
	ix        *Indexer
	cfg       Config
	cat       *catalog
	db        *pgxpool.Pool
	node      *node
	lock      *writerLock
	m         *metrics
	net       string
	log       *slog.Logger
	sizer     *sizer
	parts     *partitions
	allTables []string
	rt        atomic.Pointer[routes] // committed routes; fetchers read it concurrently
	st        state                  // owned by the loop goroutine
	covering  chan struct{}          // closed when the covering index build ends; nil: not started
}

// state is the checkpoint as committed, plus the chain as last seen.
type state struct {
	next    uint64 // first block not yet indexed
	hash    common.Hash
	hasHash bool
	head    uint64
	final   int64 // -1 when nothing is final yet
	// committedFinal is the final block written with the checkpoint: blocks up to it were treated
	// as final when the checkpoint was committed. A reorg below it is deep; one above it only
	// replaced blocks indexed as unfinalised, however far the head has moved since (a restart).
	committedFinal int64
}

func (s *state) hashBytes() []byte {
	if !s.hasHash {
		return nil
	}
	return s.hash.Bytes()
}

func (ix *Indexer) runOnce(ctx context.Context) error {
	net := ix.cfg.Network
	ix.m.active.WithLabelValues(net.Name).Set(0)
	lock, err := acquireLock(ctx, ix.cfg.DB, LockKey(net.ChainID), ix.log, func() {
		ix.update(func(s *Status) { s.Active, s.Standby = false, true })
	})
	if err != nil {
		return err
	}
	defer lock.release(ctx)
	ix.log.Info("holding the writer lock", "lock_key", lock.key)
	ix.m.active.WithLabelValues(net.Name).Set(1)
	defer ix.m.active.WithLabelValues(net.Name).Set(0)

	// wctx ends only when the lock is lost (or this tenure ends), so a transaction under way when ctx
	// is cancelled still commits; rctx ends with either, and bounds everything else.
	wctx, cancelW := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelW(nil)
	rctx, cancelR := context.WithCancelCause(wctx)
	defer cancelR(nil)
	stop := context.AfterFunc(ctx, func() { cancelR(context.Canceled) })
	defer stop()
	var watchers sync.WaitGroup
	defer watchers.Wait()
	defer cancelW(nil)
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		lock.watch(wctx, ix.cfg.LockCheckInterval, func(err error) {
			ix.log.Error("writer lock connection lost; stopping writes", "err", err)
			cancelW(fmt.Errorf("%w: %v", errLockLost, err))
		})
	}()

	r := &run{
		ix: ix, cfg: ix.cfg, cat: ix.cat, db: ix.cfg.DB, lock: lock, m: ix.m, net: net.Name, log: ix.log,
		st: state{final: -1, committedFinal: -1},
	}
	r.sizer = newSizer(net.MaxBlockRange, func(n uint64) { ix.m.rangeSize.WithLabelValues(net.Name).Set(float64(n)) })
	err = r.main(rctx, wctx)
	if cause := context.Cause(wctx); cause != nil && errors.Is(cause, errLockLost) {
		return cause
	}
	return err
}

func (r *run) main(ctx, wctx context.Context) error {
	if err := r.setup(wctx); err != nil {
		return err
	}
	client, err := rpc.DialOptions(ctx, r.cfg.Network.RPCURL)
	if err != nil {
		return fmt.Errorf("dialing %s: %w", r.cfg.Network.RPCURL, err)
	}
	defer client.Close()
	n := r.cfg.Network
	r.node = &node{c: client, logs: newLogsClient(n.RPCURL), network: n.Name, m: r.m, log: r.log, timeout: n.RequestTimeout.D(),
		retries: r.cfg.MaxRetries, base: r.cfg.RetryBase, cap: r.cfg.RetryMax}
	id, err := r.node.chainID(ctx)
	if err != nil {
		return fmt.Errorf("reading chain id: %w", err)
	}
	if id != n.ChainID {
		return &permanentError{fmt.Errorf("node at %s reports chain id %d, configured %d", n.RPCURL, id, n.ChainID)}
	}
	r.ix.update(func(s *Status) {
		s.Active, s.Standby = true, false
		s.HasIndexed = r.st.next > 0 && r.st.hasHash
		s.Indexed, s.Hash = r.st.next-1, r.st.hash
	})
	defer func() {
		if r.covering != nil {
			<-r.covering // it ends with ctx, as the loop
		}
	}()
	return r.loop(ctx, wctx)
}

const (
	upsertCatalogSQL = `
INSERT INTO indexer_event_tables (table_name, contract, event, raw_event, signature, topic0, columns)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (table_name) DO UPDATE SET contract = EXCLUDED.contract, event = EXCLUDED.event,
	raw_event = EXCLUDED.raw_event, signature = EXCLUDED.signature, topic0 = EXCLUDED.topic0,
	columns = EXCLUDED.columns, updated_at = now()`

	insertChainSQL = `
INSERT INTO indexer_chains (chain_id, network, start_block, indexed_block) VALUES ($1, $2, $3::int8, $3::int8 - 1)
ON CONFLICT (chain_id) DO UPDATE SET network = EXCLUDED.network`

	loadChainSQL = `SELECT indexed_block, indexed_hash, coalesce(finalized_block, -1) FROM indexer_chains WHERE chain_id = $1`

	loadInstancesSQL = `
SELECT source, address, factory, block_number, block_hash, tx_hash, log_index
FROM indexer_instances WHERE chain_id = $1 ORDER BY block_number, log_index`
)

// setup creates the event tables (idempotent DDL, serialised across indexers), records them in the
// catalog, and loads the checkpoint and the factory instances.
func (r *run) setup(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schemaLockKey); err != nil {
			return err
		}
		for _, t := range r.cat.tables {
			for _, s := range t.CreateSQL() {
				if _, err := tx.Exec(ctx, s); err != nil {
					return fmt.Errorf("creating %s: %w", t.Name, err)
				}
			}
			cols, err := json.Marshal(t.Columns)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, upsertCatalogSQL, t.Name, t.Contract, t.Event, t.RawEvent, t.Signature, t.Topic0.Bytes(), cols); err != nil {
				return fmt.Errorf("cataloguing %s: %w", t.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("creating event tables: %w", err)
	}
	rows, err := r.db.Query(ctx, `SELECT table_name FROM indexer_event_tables ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("reading event table catalog: %w", err)
	}
	if r.allTables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return fmt.Errorf("reading event table catalog: %w", err)
	}
	r.parts = newPartitions(r.db, r.cfg.PartitionBlocks, r.cat.tables, r.log)
	if err := r.parts.load(ctx); err != nil {
		return err
	}

	chain := int64(r.cfg.Network.ChainID)
	if _, err := r.db.Exec(ctx, insertChainSQL, chain, r.cfg.Network.Name, int64(r.cat.start)); err != nil {
		return fmt.Errorf("registering chain: %w", err)
	}
	var indexed int64
	var hash []byte
	if err := r.db.QueryRow(ctx, loadChainSQL, chain).Scan(&indexed, &hash, &r.st.committedFinal); err != nil {
		return fmt.Errorf("loading checkpoint: %w", err)
	}
	r.st.next = uint64(indexed + 1)
	r.st.hasHash = len(hash) == common.HashLength
	r.st.hash = common.BytesToHash(hash)
	if err := r.parts.ensure(ctx, r.st.next, r.st.next); err != nil {
		return err
	}

	rows, err = r.db.Query(ctx, loadInstancesSQL, chain)
	if err != nil {
		return fmt.Errorf("loading instances: %w", err)
	}
	var insts []instance
	for rows.Next() {
		var in instance
		var addr, factory, bh, th []byte
		var block int64
		var li int32
		if err := rows.Scan(&in.Source, &addr, &factory, &block, &bh, &th, &li); err != nil {
			rows.Close()
			return fmt.Errorf("loading instances: %w", err)
		}
		if r.cat.byName[in.Source] == nil {
			continue // the source was removed from the manifest
		}
		in.Address, in.Factory = common.BytesToAddress(addr), common.BytesToAddress(factory)
		in.BlockHash, in.TxHash = common.BytesToHash(bh), common.BytesToHash(th)
		in.Block, in.LogIndex = uint64(block), uint(li)
		insts = append(insts, in)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("loading instances: %w", err)
	}
	r.rt.Store(newRoutes(r.cat, insts))
	r.log.Info("indexer ready", "next_block", r.st.next, "instances", len(insts), "tables", len(r.cat.tables))
	return nil
}

// applied updates the in-memory state after a commit.
func (r *run) applied(b *batch, rg *reorgInfo, note Notification) {
	last := b.last()
	if rg != nil {
		r.rt.Store(b.rt.withInstances(b.instances))
	} else if len(b.instances) > 0 {
		r.rt.Store(r.rt.Load().withInstances(b.instances))
	}
	r.st.next, r.st.hash, r.st.hasHash = b.to+1, last.Hash, true
	r.st.committedFinal = r.st.final
	r.m.indexed.WithLabelValues(r.net).Set(float64(b.to))
	r.m.blocks.WithLabelValues(r.net).Add(float64(b.to - b.from + 1))
	r.m.logs.WithLabelValues(r.net).Add(float64(len(b.records)))
	if r.st.head >= b.to {
		r.m.lagBlocks.WithLabelValues(r.net).Set(float64(r.st.head - b.to))
	}
	r.m.lagSeconds.WithLabelValues(r.net).Set(max(0, time.Since(time.Unix(int64(last.Time), 0)).Seconds()))
	r.ix.update(func(s *Status) {
		s.Indexed, s.Hash, s.HasIndexed = b.to, last.Hash, true
		s.Head, s.Final = r.st.head, r.st.final
		if rg != nil {
			s.Reorgs++
		}
	})
	if r.cfg.OnCommit != nil {
		r.cfg.OnCommit(Commit{Notification: note, Events: len(b.records)})
	}
}

// keepFrom is the lowest block whose stored hash is kept.
func (r *run) keepFrom() int64 {
	return r.st.final - int64(r.cfg.KeepBlocks)
}
