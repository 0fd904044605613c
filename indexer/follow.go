package indexer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
)

// ErrReorg reports that the node's chain no longer contains the indexed checkpoint: the parent
// hash of the next block differs from the stored hash of its predecessor.
var ErrReorg = errors.New("chain reorganisation")

// errDeepReorg reports a reorg whose common ancestor lies below every stored block hash: it cannot
// be rolled back exactly, so the indexer refuses to go on (and raises the alarm) instead of
// corrupting the index.
var errDeepReorg = errors.New("reorg deeper than the stored block window")

// errNotYet means the node does not have the blocks we asked for yet (a load-balanced node lagging
// behind): wait and ask again, never roll back because of it.
var errNotYet = errors.New("node does not have the block yet")

// loop backfills final blocks in parallel ranges, then follows the unfinalised tip block by block.
func (r *run) loop(ctx, wctx context.Context) error {
	h := r.watchHeads(ctx)
	for {
		head, err := r.node.blockNumber(ctx)
		if err != nil {
			return err
		}
		r.st.head = head
		r.m.head.WithLabelValues(r.net).Set(float64(head))
		if head < r.st.next {
			// Nothing new, or a lagging node reports a head below ours: never a reason to roll back.
			if err := h.wait(ctx, r.cfg.Network.PollInterval.D(), h.latest.Load() > head); err != nil {
				return err
			}
			continue
		}
		if r.st.final, err = r.finalized(ctx, head); err != nil {
			return err
		}
		r.m.final.WithLabelValues(r.net).Set(float64(r.st.final))
		if int64(r.st.next) <= r.st.final {
			err = r.backfill(ctx, wctx, uint64(r.st.final))
		} else {
			err = r.advance(ctx, wctx, head)
		}
		if errors.Is(err, ErrReorg) {
			err = r.reorg(ctx, wctx, head)
		}
		switch {
		case err == nil:
			if int64(r.st.next) > r.st.final {
				r.startCovering(ctx) // the backfill is done
			}
		case errors.Is(err, errNotYet), errors.Is(err, errInconsistent):
			r.log.Debug("node not ready or inconsistent; retrying", "err", err)
			if err := h.wait(ctx, r.cfg.Network.PollInterval.D(), true); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// finalized returns the highest block treated as final, -1 if none.
func (r *run) finalized(ctx context.Context, head uint64) (int64, error) {
	n := r.cfg.Network
	if n.FinalityTag != "" {
		h, err := r.node.headerByTag(ctx, n.FinalityTag)
		if err != nil {
			return 0, fmt.Errorf("reading %s block: %w", n.FinalityTag, err)
		}
		if h == nil {
			return -1, nil
		}
		return min(int64(h.Number), int64(head)), nil
	}
	return int64(head) - int64(n.FinalityDepth), nil
}

// branch fetches the headers of blocks from..to, cut at the first block the node lacks, and checks
// that they link up.
func (r *run) branch(ctx context.Context, from, to uint64) ([]*header, error) {
	nums := make([]uint64, 0, to-from+1)
	for n := from; n <= to; n++ {
		nums = append(nums, n)
	}
	hs, err := r.node.headers(ctx, nums)
	if err != nil {
		return nil, err
	}
	for i, h := range hs {
		if h == nil || uint64(h.Number) != nums[i] {
			hs = hs[:i]
			break
		}
		if i > 0 && h.ParentHash != hs[i-1].Hash {
			return nil, fmt.Errorf("block %d does not extend block %d: %w", nums[i], nums[i-1], errInconsistent)
		}
	}
	if len(hs) == 0 {
		return nil, fmt.Errorf("block %d: %w", from, errNotYet)
	}
	return hs, nil
}

// advance indexes the unfinalised blocks after the checkpoint, up to MaxLiveBlocks of them in one
// transaction, storing every block's hash.
func (r *run) advance(ctx, wctx context.Context, head uint64) error {
	from := r.st.next
	to := min(head, from+r.cfg.MaxLiveBlocks-1)
	hs, err := r.branch(ctx, from, to)
	if err != nil {
		return err
	}
	if r.st.hasHash && hs[0].ParentHash != r.st.hash {
		return fmt.Errorf("block %d has parent %s, indexed %s: %w", from, hs[0].ParentHash, r.st.hash, ErrReorg)
	}
	to = uint64(hs[len(hs)-1].Number)
	b, err := r.collect(ctx, r.rt.Load(), from, to, hs)
	if err != nil {
		return err
	}
	return r.commit(wctx, b, nil)
}

const windowSQL = `SELECT number, hash FROM indexer_blocks WHERE chain_id = $1 AND number <= $2 ORDER BY number DESC`

// reorg finds the common ancestor, then rolls back above it and applies the node's branch in one
// transaction.
func (r *run) reorg(ctx, wctx context.Context, head uint64) error {
	start := time.Now()
	oldHead := r.st.next - 1
	anc, ancHash, err := r.findAncestor(ctx, oldHead)
	if err != nil {
		return err
	}
	if anc == oldHead {
		return fmt.Errorf("checkpoint %d is still canonical: %w", oldHead, errInconsistent)
	}
	depth := oldHead - anc
	deep := int64(anc) < r.st.committedFinal
	to := min(head, anc+r.cfg.MaxLiveBlocks)
	hs, err := r.branch(ctx, anc+1, to)
	if err != nil {
		return err
	}
	if hs[0].ParentHash != ancHash {
		return fmt.Errorf("block %d does not extend ancestor %d: %w", anc+1, anc, errInconsistent)
	}
	to = uint64(hs[len(hs)-1].Number)
	b, err := r.collect(ctx, r.rt.Load().upTo(anc), anc+1, to, hs)
	if err != nil {
		return err
	}
	if deep {
		r.m.deepReorgs.WithLabelValues(r.net).Inc()
		r.log.Error("REORG DEEPER THAN THE FINALITY WINDOW: blocks treated as final were replaced",
			"ancestor", anc, "depth", depth, "final", r.st.committedFinal)
	}
	if err := r.commit(wctx, b, &reorgInfo{ancestor: anc, oldHead: oldHead, oldHash: r.st.hash, deep: deep}); err != nil {
		return err
	}
	r.m.reorgs.WithLabelValues(r.net).Observe(float64(depth))
	r.m.rollback.WithLabelValues(r.net).Observe(time.Since(start).Seconds())
	r.log.Warn("reorg handled", "ancestor", anc, "depth", depth, "old_head", oldHead, "new_head", to,
		"took", time.Since(start))
	return nil
}

// findAncestor walks back through the stored block hashes (the checkpoint first) and returns the
// highest block the node's canonical chain still has with the same hash.
func (r *run) findAncestor(ctx context.Context, oldHead uint64) (uint64, common.Hash, error) {
	type stored struct {
		n uint64
		h common.Hash
	}
	cands := []stored{{oldHead, r.st.hash}}
	rows, err := r.db.Query(ctx, windowSQL, int64(r.cfg.Network.ChainID), int64(oldHead))
	if err != nil {
		return 0, common.Hash{}, fmt.Errorf("reading block window: %w", err)
	}
	err = forEachRow(rows, func(n int64, h []byte) {
		if uint64(n) != oldHead {
			cands = append(cands, stored{uint64(n), common.BytesToHash(h)})
		}
	})
	if err != nil {
		return 0, common.Hash{}, fmt.Errorf("reading block window: %w", err)
	}
	const chunk = 64
	for i := 0; i < len(cands); i += chunk {
		part := cands[i:min(i+chunk, len(cands))]
		nums := make([]uint64, len(part))
		for j, c := range part {
			nums[j] = c.n
		}
		hs, err := r.node.headers(ctx, nums)
		if err != nil {
			return 0, common.Hash{}, err
		}
		for j, c := range part {
			if hs[j] == nil {
				return 0, common.Hash{}, fmt.Errorf("block %d while looking for the common ancestor: %w", c.n, errNotYet)
			}
			if hs[j].Hash == c.h {
				return c.n, c.h, nil
			}
		}
	}
	lowest := cands[len(cands)-1].n
	r.m.deepReorgs.WithLabelValues(r.net).Inc()
	r.log.Error("REORG DEEPER THAN EVERY STORED BLOCK HASH: refusing to index; resync required",
		"checkpoint", oldHead, "lowest_stored", lowest)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_, _ = r.db.Exec(cctx, `UPDATE indexer_chains SET deep_reorg = true, deep_reorg_at = now(), has_indexing_errors = true,
		last_error = $2, updated_at = now() WHERE chain_id = $1`, int64(r.cfg.Network.ChainID),
		fmt.Sprintf("reorg below stored block %d; resync required", lowest))
	return 0, common.Hash{}, fmt.Errorf("checkpoint %d, lowest stored block %d: %w", oldHead, lowest, errDeepReorg)
}

func forEachRow(rows pgx.Rows, f func(n int64, h []byte)) error {
	defer rows.Close()
	for rows.Next() {
		var n int64
		var h []byte
		if err := rows.Scan(&n, &h); err != nil {
			return err
		}
		f(n, h)
	}
	return rows.Err()
}
