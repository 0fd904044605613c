package devchain

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// reorgExtra is the extra data of the blocks of a branch built by Reorg, for humans reading a
// block explorer.
const reorgExtra = "rahat-devchain reorg"

// ReorgOptions tune Reorg. The zero value drops the replaced blocks' transactions and builds a
// new branch of empty blocks, switched to in one step.
type ReorgOptions struct {
	// Reinclude puts the transactions of the replaced blocks on the new branch (block i of the
	// new branch carries the transactions of replaced block i, in order) instead of dropping them.
	// Without it they are gone: not on the new branch and removed from the pool, as if the
	// network had lost them, which is what a transaction manager's tests need.
	Reinclude bool

	// Txs are signed transactions to include on the new branch. In atomic mode they go, in this
	// order, into its last block and must all be valid there (nonces as of the ancestor plus
	// anything reincluded); in rewind mode (Before set, or depth over 128) they are submitted to
	// the pool after Before returns and sealed from there.
	Txs []*types.Transaction

	// Before, if set, switches Reorg to rewind mode: the head is first set back to the ancestor
	// (clients see eth_blockNumber drop and newHeads deliver the ancestor), the pool then holds
	// transactions as of the ancestor, Before runs (typically sending transactions through normal
	// clients or bindings, which then get nonces as of the ancestor), and the new branch is sealed
	// block by block from the pool. Before runs while the chain's production lock is held: it
	// must not call Mine or Reorg (nor dev_mine/dev_reorg) and, with AutoMine, must not wait for
	// receipts. If Before fails, the branch is still sealed, so the chain never ends shorter, and
	// the error is returned.
	Before func(ctx context.Context) error
}

// ReorgResult describes a performed reorg.
type ReorgResult struct {
	Ancestor BlockRef `json:"ancestor"` // the common ancestor, kept
	OldHead  BlockRef `json:"oldHead"`  // the head before the reorg, now on a side branch
	NewHead  BlockRef `json:"newHead"`  // the head of the new, longer branch
	Depth    int      `json:"depth"`    // number of blocks replaced
	// Dropped are the hashes of the replaced blocks' transactions that are not on the new branch.
	Dropped []common.Hash `json:"dropped"`
}

// Reorg replaces the last depth blocks with a different branch of newBlocks blocks forked from
// the block depth below the head; newBlocks must exceed depth so that the new branch is longer
// and becomes canonical. Blocks of the new branch always have new hashes, even when empty (their
// prevRandao, timestamp and extra data differ). See ReorgOptions for what goes on the branch.
//
// Without Before the switch is atomic, as on a real post-merge node: the new branch is built and
// stored on the side, then made canonical at once, so clients see the head jump from the old tip
// to the new one (newHeads delivers only the new tip, eth_subscribe logs delivers the old branch's
// logs with removed=true and then the new ones).
//
// A reorg deeper than Config.FinalityDepth is performed too, replacing `finalized` blocks; real
// networks never do this, which is exactly what makes it useful to test alarms. A reorg deeper
// than 128 blocks always runs in rewind mode (see ReorgOptions.Before), because the state of an
// older ancestor is only available by rolling the head back to it.
func (c *Chain) Reorg(ctx context.Context, depth, newBlocks int, opts ReorgOptions) (ReorgResult, error) {
	if depth < 1 || newBlocks <= depth {
		return ReorgResult{}, fmt.Errorf("devchain: reorg needs depth >= 1 and newBlocks > depth, got depth %d, newBlocks %d", depth, newBlocks)
	}
	if err := c.lock(ctx); err != nil {
		return ReorgResult{}, fmt.Errorf("reorg of depth %d: %w", depth, err)
	}
	defer c.unlock()

	bc := c.eth.BlockChain()
	oldHead := bc.CurrentBlock()
	if uint64(depth) > oldHead.Number.Uint64() {
		return ReorgResult{}, fmt.Errorf("devchain: cannot reorg %d blocks below head %d", depth, oldHead.Number.Uint64())
	}
	ancestor := bc.GetBlockByNumber(oldHead.Number.Uint64() - uint64(depth))
	if ancestor == nil {
		return ReorgResult{}, fmt.Errorf("devchain: canonical block %d missing", oldHead.Number.Uint64()-uint64(depth))
	}
	replaced := make([]*types.Block, depth)
	for i := range replaced {
		n := ancestor.NumberU64() + 1 + uint64(i)
		if replaced[i] = bc.GetBlockByNumber(n); replaced[i] == nil {
			return ReorgResult{}, fmt.Errorf("devchain: canonical block %d missing", n)
		}
	}
	var oldTxs []*types.Transaction
	for _, b := range replaced {
		oldTxs = append(oldTxs, b.Transactions()...)
	}

	var (
		newHead *types.Block
		err     error
	)
	// Building on the side needs the ancestor's state, which the path-based state database
	// keeps for the last 128 blocks only. Deeper reorgs go through the rewind path, where
	// go-ethereum rolls the state back itself.
	rewind := opts.Before != nil || !bc.HasState(ancestor.Root())
	if rewind {
		if opts.Before == nil {
			opts.Before = func(context.Context) error { return nil }
		}
		newHead, err = c.reorgRewind(ctx, ancestor, newBlocks, oldTxs, opts)
	} else {
		newHead, err = c.reorgAtomic(ctx, ancestor, newBlocks, replaced, opts)
	}
	if newHead == nil {
		return ReorgResult{}, fmt.Errorf("reorg of depth %d at block %d: %w", depth, ancestor.NumberU64(), err)
	}

	// Transactions of the replaced blocks that did not make it onto the new branch.
	onBranch := make(map[common.Hash]bool)
	for b := newHead; b.NumberU64() > ancestor.NumberU64(); b = bc.GetBlock(b.ParentHash(), b.NumberU64()-1) {
		for _, tx := range b.Transactions() {
			onBranch[tx.Hash()] = true
		}
	}
	dropped := make(map[common.Hash]bool)
	res := ReorgResult{
		Ancestor: refOf(ancestor.Header()),
		OldHead:  refOf(oldHead),
		NewHead:  refOf(newHead.Header()),
		Depth:    depth,
		Dropped:  []common.Hash{},
	}
	for _, tx := range oldTxs {
		if !onBranch[tx.Hash()] {
			dropped[tx.Hash()] = true
			res.Dropped = append(res.Dropped, tx.Hash())
		}
	}
	// The pool re-injects a reorg's dropped transactions; unless asked to keep them, take them
	// out again so they do not reappear in the next block.
	if !opts.Reinclude {
		if perr := c.purgePool(dropped); perr != nil {
			err = errors.Join(err, perr)
		}
	}
	level := c.log.Info
	if uint64(depth) > c.cfg.FinalityDepth {
		level = c.log.Warn // replaced finalized blocks
	}
	level("reorg", "depth", depth, "ancestor", res.Ancestor.Number, "old_head", res.OldHead.Hash,
		"new_head", res.NewHead.Hash, "block", res.NewHead.Number, "dropped_txs", len(res.Dropped),
		"rewind", rewind, "past_finality", uint64(depth) > c.cfg.FinalityDepth)
	if err != nil {
		return res, fmt.Errorf("reorg of depth %d at block %d: %w", depth, ancestor.NumberU64(), err)
	}
	return res, nil
}

// reorgAtomic builds the whole new branch on the side and then makes its tip canonical.
func (c *Chain) reorgAtomic(ctx context.Context, ancestor *types.Block, newBlocks int, replaced []*types.Block, opts ReorgOptions) (*types.Block, error) {
	parent := ancestor.Header()
	var block *types.Block
	for i := range newBlocks {
		var txs []*types.Transaction
		if opts.Reinclude && i < len(replaced) {
			txs = replaced[i].Transactions()
		}
		if i == newBlocks-1 {
			txs = append(slices.Clone(txs), opts.Txs...)
		}
		b, err := c.build(ctx, parent, txs, false, []byte(reorgExtra))
		if err != nil {
			return nil, err
		}
		block, parent = b, b.Header()
	}
	if err := c.setHead(block); err != nil {
		return nil, err
	}
	return block, nil
}

// reorgRewind sets the head back to the ancestor, runs Before and seals the new branch from the
// pool. Once the head has moved back it always seals the branch, so that the chain never ends up
// shorter than it started, and reports errors alongside.
func (c *Chain) reorgRewind(ctx context.Context, ancestor *types.Block, newBlocks int, oldTxs []*types.Transaction, opts ReorgOptions) (*types.Block, error) {
	if err := c.setHead(ancestor); err != nil {
		return nil, err
	}
	pool := c.eth.TxPool()
	var errs []error
	if err := pool.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("syncing tx pool: %w", err))
	}
	if opts.Reinclude {
		// The pool re-injects dropped transactions only for reorgs up to 64 blocks; add them
		// explicitly so deeper ones behave the same. "Already known" errors are expected.
		pool.Add(oldTxs, true)
	} else {
		drop := make(map[common.Hash]bool, len(oldTxs))
		for _, tx := range oldTxs {
			drop[tx.Hash()] = true
		}
		if err := c.purgePool(drop); err != nil {
			errs = append(errs, err)
		}
	}
	if err := opts.Before(ctx); err != nil {
		errs = append(errs, fmt.Errorf("reorg Before hook: %w", err))
	}
	for i, err := range pool.Add(opts.Txs, true) {
		if err != nil {
			errs = append(errs, fmt.Errorf("adding reorg tx %s: %w", opts.Txs[i].Hash(), err))
		}
	}
	// A cancelled ctx must not leave the chain shortened: seal with a context that only keeps
	// ctx's values.
	sealCtx := context.WithoutCancel(ctx)
	var head *types.Block
	for range newBlocks {
		b, err := c.sealHead(sealCtx)
		if err != nil {
			return head, errors.Join(append(errs, err)...)
		}
		head = b
	}
	return head, errors.Join(errs...)
}

// purgePool removes the transactions in drop from the pool and keeps every other one. The pool
// has no remove-by-hash, so it is cleared and refilled; a transaction submitted in the instant
// between reading and clearing the pool can be lost, as it can on a real network during a reorg.
func (c *Chain) purgePool(drop map[common.Hash]bool) error {
	if len(drop) == 0 {
		return nil
	}
	pool := c.eth.TxPool()
	if err := pool.Sync(); err != nil {
		return fmt.Errorf("syncing tx pool: %w", err)
	}
	pending, queued := pool.Content()
	found := false
	var keep []*types.Transaction
	for _, content := range []map[common.Address][]*types.Transaction{pending, queued} {
		for _, txs := range content {
			for _, tx := range txs {
				if drop[tx.Hash()] {
					found = true
				} else {
					keep = append(keep, tx)
				}
			}
		}
	}
	if !found {
		return nil
	}
	pool.Clear()
	// Nonce order per sender lets the pool promote them straight back to pending.
	slices.SortStableFunc(keep, func(a, b *types.Transaction) int { return compareNonce(a, b) })
	for i, err := range pool.Add(keep, true) {
		if err != nil {
			c.log.Debug("transaction not restored after reorg", "tx", keep[i].Hash(), "err", err)
		}
	}
	return nil
}

func compareNonce(a, b *types.Transaction) int {
	switch {
	case a.Nonce() < b.Nonce():
		return -1
	case a.Nonce() > b.Nonce():
		return 1
	}
	return 0
}
