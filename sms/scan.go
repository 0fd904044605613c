package sms

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// The allocation scanner: a river periodic job (run by whichever process leads river) that reads
// the indexer's TokensAllocated rows of final blocks past a cursor and queues a notice for each,
// advancing the cursor in the same transaction. Final blocks only, so that a reorg never leaves a
// notice of an allocation that did not happen; the price is the finality delay.

// allocationsTable is the indexer's table of RahatProject.TokensAllocated (docs/schema.md). The
// indexer creates it at its first start; until then there is nothing to scan.
const allocationsTable = "evt_rahat_project_tokens_allocated"

// scanBatch bounds the events handled in one transaction.
const scanBatch = 500

const (
	finalBlockSQL = `SELECT least(indexed_block, coalesce(finalized_block, -1)) FROM indexer_chains WHERE chain_id = $1`
	cursorSQL     = `SELECT block_number, log_index FROM sms_cursors WHERE chain_id = $1 FOR UPDATE`
	setCursorSQL  = `
INSERT INTO sms_cursors (chain_id, block_number, log_index) VALUES ($1, $2, $3)
ON CONFLICT (chain_id) DO UPDATE SET block_number = $2, log_index = $3, updated_at = now()`
	allocationsSQL = `
SELECT contract, tx_hash, log_index, block_number, token, beneficiary, amount::text
FROM ` + allocationsTable + `
WHERE chain_id = $1 AND block_number BETWEEN $2 AND $4 AND (block_number, log_index) > ($2, $3)
ORDER BY block_number, log_index
LIMIT $5`
)

type scanArgs struct{}

// Kind implements river.JobArgs.
func (scanArgs) Kind() string { return "sms_scan_allocations" }

type scanWorker struct {
	river.WorkerDefaults[scanArgs]
	s *Service
}

// Work scans until it has caught up with the final block.
func (w *scanWorker) Work(ctx context.Context, _ *river.Job[scanArgs]) error {
	_, err := w.s.ScanAllocations(ctx)
	return err
}

// ScanAllocations queues notices for the TokensAllocated events of final blocks not yet scanned
// and returns how many it queued. The first scan of a chain only records where it starts: the
// current final block (allocations made before the SMS service existed are history, not news).
// Concurrent scans take turns on the cursor row. The periodic job calls it; so may tests and tools.
func (s *Service) ScanAllocations(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := s.scanOnce(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// scanOnce handles one batch in one transaction; more says whether another may follow.
func (s *Service) scanOnce(ctx context.Context) (queued int, more bool, err error) {
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, allocationsTable).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return nil
		}
		chain := int64(s.cfg.ChainID)
		var final int64
		if err := tx.QueryRow(ctx, finalBlockSQL, chain).Scan(&final); errors.Is(err, pgx.ErrNoRows) {
			return nil // not indexed yet
		} else if err != nil {
			return err
		}
		var fromBlock int64
		var fromLog int32
		err := tx.QueryRow(ctx, cursorSQL, chain).Scan(&fromBlock, &fromLog)
		if errors.Is(err, pgx.ErrNoRows) {
			_, err = tx.Exec(ctx, setCursorSQL, chain, final, int32(math.MaxInt32))
			return err
		}
		if err != nil {
			return err
		}
		if final <= fromBlock && fromLog == math.MaxInt32 {
			return nil
		}
		rows, err := tx.Query(ctx, allocationsSQL, chain, fromBlock, fromLog, final, scanBatch)
		if err != nil {
			return err
		}
		type event struct {
			a     Allocation
			block int64
			log   int32
		}
		events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (event, error) {
			var e event
			var project, txHash, token, ben []byte
			var amount string
			if err := row.Scan(&project, &txHash, &e.log, &e.block, &token, &ben, &amount); err != nil {
				return e, err
			}
			v, ok := new(big.Int).SetString(amount, 10)
			if !ok {
				return e, fmt.Errorf("allocation amount %q", amount)
			}
			e.a = Allocation{ChainID: s.cfg.ChainID, Project: common.BytesToAddress(project), Token: common.BytesToAddress(token),
				Beneficiary: common.BytesToAddress(ben), Amount: v, TxHash: common.BytesToHash(txHash), LogIndex: uint(e.log)}
			return e, nil
		})
		if err != nil {
			return err
		}
		for _, e := range events {
			ok, err := s.NotifyAllocation(ctx, tx, e.a)
			if err != nil {
				return err
			}
			if ok {
				queued++
			}
		}
		// Past the last event read, or to the end of the final block when the batch was not full.
		nextBlock, nextLog := final, int32(math.MaxInt32)
		if len(events) == scanBatch {
			last := events[len(events)-1]
			nextBlock, nextLog, more = last.block, last.log, true
		}
		_, err = tx.Exec(ctx, setCursorSQL, chain, nextBlock, nextLog)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("sms: scanning allocations: %w", err)
	}
	return queued, more, nil
}

// maintenanceArgs is the periodic clean-up job.
type maintenanceArgs struct{}

// Kind implements river.JobArgs.
func (maintenanceArgs) Kind() string { return "sms_maintenance" }

type maintenanceWorker struct {
	river.WorkerDefaults[maintenanceArgs]
	s *Service
}

// Work forgets rate-limit windows that are over and, as a safety net, the sealed texts of
// messages that are settled or whose code lapsed more than an hour ago.
func (w *maintenanceWorker) Work(ctx context.Context, _ *river.Job[maintenanceArgs]) error {
	if _, err := w.s.db.Exec(ctx, `DELETE FROM sms_rate_limits WHERE window_start < now() - make_interval(secs => $1)`,
		w.s.cfg.RateLimit.Window.Seconds()); err != nil {
		return fmt.Errorf("sms: pruning rate limits: %w", err)
	}
	if _, err := w.s.db.Exec(ctx, `
UPDATE sms_outbound SET body_enc = NULL,
    state = CASE WHEN state IN ('pending', 'sending') THEN 'expired' ELSE state END
WHERE body_enc IS NOT NULL
  AND (state NOT IN ('pending', 'sending') OR expires_at < now() - interval '1 hour')`); err != nil {
		return fmt.Errorf("sms: clearing settled texts: %w", err)
	}
	return nil
}
