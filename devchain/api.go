package devchain

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// maxMinePerCall bounds dev_mine so that a typo cannot wedge the chain for hours.
const maxMinePerCall = 100_000

// ReorgArgs are the optional third parameter of dev_reorg.
type ReorgArgs struct {
	// Reinclude is ReorgOptions.Reinclude.
	Reinclude bool `json:"reinclude"`
	// Txs are raw signed transactions (as eth_sendRawTransaction takes them) for the last block of
	// the new branch; see ReorgOptions.Txs.
	Txs []hexutil.Bytes `json:"txs"`
}

// devAPI is the `dev` JSON-RPC namespace. go-ethereum maps each exported method to
// dev_<lowerCamelName>:
//
//	dev_mine(n?)                         -> [blockHash...]   seal n blocks (default 1)
//	dev_reorg(depth, newBlocks, {reinclude, txs}?) -> ReorgResult
//	dev_setBlockInterval(ms)             -> null             0 stops the timer
//	dev_blockInterval()                  -> ms
//	dev_increaseTime(seconds)            -> total offset in seconds
//	dev_head()                           -> {latest, safe, finalized}
//	dev_accounts()                       -> [address...]     the funded dev accounts (see DevKeys)
//
// The Before hook of Reorg has no wire form: a remote caller that wants transactions on the new
// branch signs them and passes them in txs.
type devAPI struct {
	c *Chain
}

// Mine seals n blocks (1 when omitted).
func (api *devAPI) Mine(ctx context.Context, n *int) ([]common.Hash, error) {
	count := 1
	if n != nil {
		count = *n
	}
	if count < 0 || count > maxMinePerCall {
		return nil, fmt.Errorf("dev_mine: n must be between 0 and %d", maxMinePerCall)
	}
	return api.c.Mine(ctx, count)
}

// Reorg performs Chain.Reorg without a Before hook.
func (api *devAPI) Reorg(ctx context.Context, depth, newBlocks int, args *ReorgArgs) (ReorgResult, error) {
	var opts ReorgOptions
	if args != nil {
		opts.Reinclude = args.Reinclude
		for i, raw := range args.Txs {
			tx := new(types.Transaction)
			if err := tx.UnmarshalBinary(raw); err != nil {
				return ReorgResult{}, fmt.Errorf("dev_reorg: decoding txs[%d]: %w", i, err)
			}
			opts.Txs = append(opts.Txs, tx)
		}
	}
	return api.c.Reorg(ctx, depth, newBlocks, opts)
}

// SetBlockInterval sets the block timer period in milliseconds; 0 stops it.
func (api *devAPI) SetBlockInterval(ms int64) error {
	return api.c.SetBlockInterval(time.Duration(ms) * time.Millisecond)
}

// BlockInterval returns the block timer period in milliseconds.
func (api *devAPI) BlockInterval() int64 { return api.c.BlockInterval().Milliseconds() }

// IncreaseTime moves block timestamps forward by seconds and returns the total offset.
func (api *devAPI) IncreaseTime(seconds int64) (int64, error) {
	total, err := api.c.IncreaseTime(time.Duration(seconds) * time.Second)
	return int64(total / time.Second), err
}

// Head returns the latest, safe and finalized blocks.
func (api *devAPI) Head() Head { return api.c.Head() }

// Accounts returns the funded dev accounts.
func (api *devAPI) Accounts() []common.Address { return api.c.Accounts() }
