package indexer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rahataid/rahat/indexer/schema"
)

// errLockLost means this process no longer holds the writer lock; it stops writing at once.
var errLockLost = errors.New("writer lock lost")

// errFenced means the checkpoint moved under us: another writer committed. Never expected while the
// lock works; it stops this writer rather than write twice.
var errFenced = errors.New("checkpoint changed by another writer")

// reorgInfo is the rollback part of a reorg transaction.
type reorgInfo struct {
	ancestor uint64
	oldHead  uint64
	oldHash  common.Hash
	deep     bool
}

const (
	checkpointSQL = `
SELECT EXISTS (
	SELECT 1 FROM pg_locks
	WHERE locktype = 'advisory' AND granted AND pid = $2 AND objsubid = 1
	  AND classid::int8 = $3 AND objid::int8 = $4
), indexed_block, indexed_hash
FROM indexer_chains WHERE chain_id = $1 FOR UPDATE`

	updateCheckpointSQL = `
UPDATE indexer_chains SET indexed_block = $2, indexed_hash = $3, indexed_parent_hash = $4,
	indexed_timestamp = $5, head_block = $6, finalized_block = $7,
	has_indexing_errors = false, last_error = NULL, updated_at = now()
WHERE chain_id = $1`

	insertInstanceSQL = `
INSERT INTO indexer_instances (chain_id, source, address, factory, block_number, block_hash, tx_hash, log_index)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`

	upsertBlockSQL = `
INSERT INTO indexer_blocks (chain_id, number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (chain_id, number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash, timestamp = EXCLUDED.timestamp`

	pruneBlocksSQL = `DELETE FROM indexer_blocks WHERE chain_id = $1 AND number < $2`

	deleteInstancesSQL = `DELETE FROM indexer_instances WHERE chain_id = $1 AND block_number > $2`
	deleteBlocksSQL    = `DELETE FROM indexer_blocks WHERE chain_id = $1 AND number > $2`

	insertReorgSQL = `
INSERT INTO indexer_reorgs (chain_id, ancestor, depth, old_head, old_hash, new_head, new_hash, deep)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`

	notifySQL = `SELECT pg_notify($1, $2)`
)

// copyThreshold is the row count from which a table's rows go through COPY rather than INSERTs.
const copyThreshold = 32

// commit writes a batch (and, for a reorg, the rollback before it), the handlers' effects, the
// checkpoint and the notification in one transaction. idempotent switches to writes that skip rows
// already present, used after a COPY hit a duplicate.
func (r *run) commit(ctx context.Context, b *batch, rg *reorgInfo) error {
	start := time.Now()
	if err := r.parts.ensure(ctx, b.from, b.to); err != nil {
		return err
	}
	n, err := r.commitTx(ctx, b, rg, false)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		r.log.Warn("duplicate rows on COPY, retrying idempotently", "from", b.from, "to", b.to, "err", err)
		n, err = r.commitTx(ctx, b, rg, true)
	}
	if err != nil {
		return err
	}
	r.m.dbWrite.WithLabelValues(r.net).Observe(time.Since(start).Seconds())
	r.applied(b, rg, n)
	return nil
}

func (r *run) commitTx(ctx context.Context, b *batch, rg *reorgInfo, idempotent bool) (Notification, error) {
	var note Notification
	tx, err := r.db.Begin(ctx)
	if err != nil {
		return note, fmt.Errorf("beginning indexing transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit

	chain := int64(r.cfg.Network.ChainID)
	var held bool
	var indexed int64
	var hash []byte
	if err := tx.QueryRow(ctx, checkpointSQL, chain, int64(r.lock.pid), r.lock.classID(), r.lock.objID()).Scan(&held, &indexed, &hash); err != nil {
		return note, fmt.Errorf("reading checkpoint: %w", err)
	}
	if !held {
		return note, errLockLost
	}
	if indexed != int64(r.st.next)-1 || !bytes.Equal(hash, r.st.hashBytes()) {
		return note, fmt.Errorf("%w: expected %d, found %d", errFenced, int64(r.st.next)-1, indexed)
	}

	last := b.last()
	note = Notification{ChainID: r.cfg.Network.ChainID, From: b.from, To: b.to, Hash: last.Hash, ParentHash: last.ParentHash, Timestamp: uint64(last.Time)}
	if rg != nil {
		if note.Reorg, err = r.rollback(ctx, tx, rg, b); err != nil {
			return note, err
		}
	}

	byTable := map[*schema.Table][][]any{}
	var order []*schema.Table
	// Events exist only for the handlers, and only for the batch being committed (see record).
	withEvents := len(r.cfg.Handlers) > 0
	var events []Event
	if withEvents {
		events = make([]Event, 0, len(b.records))
	}
	for i := range b.records {
		rec := &b.records[i]
		if _, ok := byTable[rec.table]; !ok {
			order = append(order, rec.table)
		}
		byTable[rec.table] = append(byTable[rec.table], rec.row)
		if withEvents {
			events = append(events, rec.event(r.cfg.Network.ChainID))
		}
	}
	for _, t := range order {
		if err := writeRows(ctx, tx, t, byTable[t], idempotent); err != nil {
			return note, err
		}
		note.Tables = append(note.Tables, t.Name)
	}
	slices.Sort(note.Tables)

	if len(b.instances) > 0 || len(b.headers) > 0 {
		bt := &pgx.Batch{}
		for _, in := range b.instances {
			bt.Queue(insertInstanceSQL, chain, in.Source, in.Address.Bytes(), in.Factory.Bytes(), int64(in.Block),
				in.BlockHash.Bytes(), in.TxHash.Bytes(), int32(in.LogIndex))
		}
		for _, h := range b.headers {
			bt.Queue(upsertBlockSQL, chain, int64(h.Number), h.Hash.Bytes(), h.ParentHash.Bytes(), int64(h.Time))
		}
		if err := tx.SendBatch(ctx, bt).Close(); err != nil {
			return note, fmt.Errorf("storing instances and block hashes: %w", err)
		}
	}

	if len(events) > 0 {
		for _, h := range r.cfg.Handlers {
			if err := h.HandleEvents(ctx, tx, events); err != nil {
				return note, fmt.Errorf("handler %T on blocks %d-%d: %w", h, b.from, b.to, err)
			}
		}
	}

	head, final := r.st.head, r.st.final
	if _, err := tx.Exec(ctx, updateCheckpointSQL, chain, int64(b.to), last.Hash.Bytes(), last.ParentHash.Bytes(),
		int64(last.Time), int64(head), final); err != nil {
		return note, fmt.Errorf("updating checkpoint: %w", err)
	}
	if keep := r.keepFrom(); keep > 0 {
		if _, err := tx.Exec(ctx, pruneBlocksSQL, chain, keep); err != nil {
			return note, fmt.Errorf("pruning block hashes: %w", err)
		}
	}
	payload, err := json.Marshal(note)
	if err != nil {
		return note, fmt.Errorf("encoding notification: %w", err)
	}
	if _, err := tx.Exec(ctx, notifySQL, NotifyChannel, string(payload)); err != nil {
		return note, fmt.Errorf("notifying: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return note, fmt.Errorf("committing blocks %d-%d: %w", b.from, b.to, err)
	}
	return note, nil
}

// rollback deletes everything above the ancestor: event rows (a delete that only touches the newest
// partitions), instances, block hashes and the handlers' effects; then it logs the reorg.
func (r *run) rollback(ctx context.Context, tx pgx.Tx, rg *reorgInfo, b *batch) (*ReorgNotice, error) {
	chain := int64(r.cfg.Network.ChainID)
	anc := int64(rg.ancestor)
	bt := &pgx.Batch{}
	for _, t := range r.allTables {
		bt.Queue(fmt.Sprintf("DELETE FROM %s WHERE chain_id = $1 AND block_number > $2", pgx.Identifier{t}.Sanitize()), chain, anc)
	}
	bt.Queue(deleteInstancesSQL, chain, anc)
	bt.Queue(deleteBlocksSQL, chain, anc)
	if rg.deep {
		bt.Queue(`UPDATE indexer_chains SET deep_reorg = true, deep_reorg_at = now() WHERE chain_id = $1`, chain)
	}
	if err := tx.SendBatch(ctx, bt).Close(); err != nil {
		return nil, fmt.Errorf("rolling back above %d: %w", rg.ancestor, err)
	}
	for _, h := range r.cfg.Handlers {
		if err := h.Rollback(ctx, tx, r.cfg.Network.ChainID, rg.ancestor); err != nil {
			return nil, fmt.Errorf("handler %T rolling back above %d: %w", h, rg.ancestor, err)
		}
	}
	n := &ReorgNotice{Ancestor: rg.ancestor, Depth: rg.oldHead - rg.ancestor, OldHead: rg.oldHead, OldHash: rg.oldHash, Deep: rg.deep}
	last := b.last()
	if err := tx.QueryRow(ctx, insertReorgSQL, chain, anc, int64(n.Depth), int64(rg.oldHead), rg.oldHash.Bytes(),
		int64(last.Number), last.Hash.Bytes(), rg.deep).Scan(&n.ID); err != nil {
		return nil, fmt.Errorf("logging reorg: %w", err)
	}
	return n, nil
}

// writeRows writes one table's rows: COPY for bulk, INSERT ... ON CONFLICT DO NOTHING for small sets,
// and in idempotent mode COPY into a temporary table followed by an INSERT that skips duplicates.
func writeRows(ctx context.Context, tx pgx.Tx, t *schema.Table, rows [][]any, idempotent bool) error {
	cols := t.ColumnNames()
	if len(rows) < copyThreshold {
		q := insertSQL(t)
		bt := &pgx.Batch{}
		for _, row := range rows {
			bt.Queue(q, row...)
		}
		if err := tx.SendBatch(ctx, bt).Close(); err != nil {
			return fmt.Errorf("inserting into %s: %w", t.Name, err)
		}
		return nil
	}
	if !idempotent {
		if _, err := tx.CopyFrom(ctx, t.Identifier(), cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copying into %s: %w", t.Name, err)
		}
		return nil
	}
	tmp := pgx.Identifier{schema.Ident("tmp_" + t.Name)}
	if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS %s (LIKE %s) ON COMMIT DROP", tmp.Sanitize(), t.Identifier().Sanitize())); err != nil {
		return fmt.Errorf("creating staging table for %s: %w", t.Name, err)
	}
	if _, err := tx.CopyFrom(ctx, tmp, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copying into staging table for %s: %w", t.Name, err)
	}
	q := fmt.Sprintf("INSERT INTO %s SELECT * FROM %s ON CONFLICT DO NOTHING", t.Identifier().Sanitize(), tmp.Sanitize())
	if _, err := tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("merging into %s: %w", t.Name, err)
	}
	if _, err := tx.Exec(ctx, "TRUNCATE "+tmp.Sanitize()); err != nil {
		return fmt.Errorf("clearing staging table for %s: %w", t.Name, err)
	}
	return nil
}

func insertSQL(t *schema.Table) string {
	names := make([]string, len(t.Columns))
	params := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = pgx.Identifier{c.Name}.Sanitize()
		params[i] = fmt.Sprintf("$%d", i+1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING",
		t.Identifier().Sanitize(), strings.Join(names, ", "), strings.Join(params, ", "))
}
