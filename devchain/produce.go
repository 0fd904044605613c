package devchain

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/beacon/engine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/event"
	"github.com/ethereum/go-ethereum/miner"
)

// BlockRef identifies a block.
type BlockRef struct {
	Number uint64      `json:"number"`
	Hash   common.Hash `json:"hash"`
}

// Head is the chain's view of its tip and of the blocks behind it that it calls safe and final.
type Head struct {
	Latest    BlockRef `json:"latest"`
	Safe      BlockRef `json:"safe"`
	Finalized BlockRef `json:"finalized"`
}

func refOf(h *types.Header) BlockRef { return BlockRef{Number: h.Number.Uint64(), Hash: h.Hash()} }

// Head returns the current latest, safe and finalized blocks.
func (c *Chain) Head() Head {
	bc := c.eth.BlockChain()
	head := Head{Latest: refOf(bc.CurrentBlock())}
	if h := bc.CurrentSafeBlock(); h != nil {
		head.Safe = refOf(h)
	}
	if h := bc.CurrentFinalBlock(); h != nil {
		head.Finalized = refOf(h)
	}
	return head
}

// Mine seals n blocks on the current head, each filled from the transaction pool, and returns
// their hashes. It waits for any other block production or reorg to finish first.
func (c *Chain) Mine(ctx context.Context, n int) ([]common.Hash, error) {
	if n < 0 {
		return nil, fmt.Errorf("devchain: cannot mine %d blocks", n)
	}
	if err := c.lock(ctx); err != nil {
		return nil, fmt.Errorf("mining %d blocks: %w", n, err)
	}
	defer c.unlock()
	hashes := make([]common.Hash, 0, n)
	for range n {
		if err := ctx.Err(); err != nil {
			return hashes, fmt.Errorf("mining: %w", err)
		}
		block, err := c.sealHead(ctx)
		if err != nil {
			return hashes, err
		}
		hashes = append(hashes, block.Hash())
	}
	return hashes, nil
}

// sealHead builds a block from the pool on the current head and makes it canonical.
// The caller holds the semaphore.
func (c *Chain) sealHead(ctx context.Context) (*types.Block, error) {
	// The pool resets itself on a background goroutine after every new head; without this sync
	// the next block could be built from a pool that has not yet seen the previous one.
	if err := c.eth.TxPool().Sync(); err != nil {
		return nil, fmt.Errorf("syncing tx pool: %w", err)
	}
	parent := c.eth.BlockChain().CurrentBlock()
	block, err := c.build(ctx, parent, nil, true, nil)
	if err != nil {
		return nil, err
	}
	if err := c.setHead(block); err != nil {
		return nil, err
	}
	c.log.Debug("sealed block", "block", block.NumberU64(), "hash", block.Hash(), "txs", len(block.Transactions()))
	return block, nil
}

// build assembles a block on parent and stores it (executed and validated) without making it
// canonical. With fromPool it is filled from the transaction pool; otherwise it holds exactly txs
// in order, and fails if one of them cannot be applied. The caller holds the semaphore.
func (c *Chain) build(ctx context.Context, parent *types.Header, txs []*types.Transaction, fromPool bool, extra []byte) (*types.Block, error) {
	c.seq++
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], c.seq)
	// Post-merge timestamps must strictly increase; within a second they step by one.
	now := c.cfg.Now().Unix() + c.timeOffset.Load()
	timestamp := max(uint64(max(now, 0)), parent.Time+1)
	args := &miner.BuildPayloadArgs{
		Parent:      parent.Hash(),
		Timestamp:   timestamp,
		Random:      crypto.Keccak256Hash(parent.Hash().Bytes(), seq[:]),
		Withdrawals: types.Withdrawals{},
		BeaconRoot:  &common.Hash{},
		Version:     engine.PayloadV3,
	}
	// BuildTestingPayload (the backend of testing_buildBlockV1) builds one block synchronously:
	// from the pool when given no transactions and empty=false, else from exactly txs. Unlike the
	// engine API's BuildPayload it starts no background rebuild loop.
	empty := !fromPool && len(txs) == 0
	block, _, err := c.eth.Miner().BuildTestingPayload(args, txs, empty, extra)
	if err != nil {
		return nil, fmt.Errorf("building block %d on %s: %w", parent.Number.Uint64()+1, parent.Hash().TerminalString(), err)
	}
	if _, err := c.eth.BlockChain().InsertBlockWithoutSetHead(ctx, block, false); err != nil {
		return nil, fmt.Errorf("inserting block %d: %w", block.NumberU64(), err)
	}
	return block, nil
}

// setHead makes block (already inserted) the canonical head, reorganising if it is on another
// branch, and moves the safe and finalized markers.
func (c *Chain) setHead(block *types.Block) error {
	if _, err := c.eth.BlockChain().SetCanonical(block); err != nil {
		return fmt.Errorf("setting head to block %d: %w", block.NumberU64(), err)
	}
	c.markForkchoice(block.Header())
	return nil
}

// markForkchoice sets the safe and finalized blocks for a new head, the way a consensus client's
// forkchoice update would: they trail the head by SafeDepth and FinalityDepth. A marker never
// moves backwards while it is still canonical, so a rewind (Reorg with Before) does not pull
// `finalized` back with it; a reorg deeper than the marker replaces it.
func (c *Chain) markForkchoice(head *types.Header) {
	bc := c.eth.BlockChain()
	pick := func(current *types.Header, depth uint64) *types.Header {
		target := uint64(0)
		if n := head.Number.Uint64(); n > depth {
			target = n - depth
		}
		if current != nil && current.Number.Uint64() > target && bc.GetCanonicalHash(current.Number.Uint64()) == current.Hash() {
			return current
		}
		return bc.GetHeaderByNumber(target)
	}
	if h := pick(bc.CurrentFinalBlock(), c.cfg.FinalityDepth); h != nil {
		bc.SetFinalized(h)
	}
	if h := pick(bc.CurrentSafeBlock(), c.cfg.SafeDepth); h != nil {
		bc.SetSafe(h)
	}
}

// intervalLoop seals a block every BlockInterval while the interval is positive.
func (c *Chain) intervalLoop() {
	defer c.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	arm := func() {
		if d := c.BlockInterval(); d > 0 {
			timer.Reset(d)
		}
	}
	arm()
	for {
		select {
		case <-c.done:
			timer.Stop()
			return
		case <-c.wake:
			timer.Stop()
			arm()
		case <-timer.C:
			if _, err := c.Mine(ctx, 1); err != nil && !errors.Is(err, ErrClosed) {
				c.log.Error("timer block failed", "err", err)
			}
			arm()
		}
	}
}

// autoMineLoop seals blocks whenever executable transactions reach the pool. The pool's event
// feed blocks its sender until every subscriber reads, so a separate goroutine drains it into a
// one-slot signal: a Reorg that holds the semaphore while its Before hook submits transactions
// must never wait on us.
func (c *Chain) autoMineLoop(events <-chan core.NewTxsEvent, sub event.Subscription) {
	defer c.wg.Done()
	defer sub.Unsubscribe()
	signal := make(chan struct{}, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			select {
			case <-c.done:
				return
			case <-sub.Err():
				return
			case <-events:
				select {
				case signal <- struct{}{}:
				default:
				}
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		select {
		case <-c.done:
			return
		case <-signal:
			if err := c.mineWhilePending(ctx); err != nil && !errors.Is(err, ErrClosed) {
				c.log.Error("auto-mine failed", "err", err)
			}
		}
	}
}

// mineWhilePending seals blocks until the pool has no executable transactions. It stops early if
// a block includes none of them (e.g. their tip is below the miner's minimum), instead of
// spinning on empty blocks.
func (c *Chain) mineWhilePending(ctx context.Context) error {
	if err := c.lock(ctx); err != nil {
		return err
	}
	defer c.unlock()
	for {
		if err := c.eth.TxPool().Sync(); err != nil {
			return fmt.Errorf("syncing tx pool: %w", err)
		}
		if pending, _ := c.eth.TxPool().Stats(); pending == 0 {
			return nil
		}
		block, err := c.sealHead(ctx)
		if err != nil {
			return err
		}
		if len(block.Transactions()) == 0 {
			return nil
		}
	}
}
