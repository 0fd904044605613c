package chainlogs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"golang.org/x/sync/errgroup"
)

// Client is the part of a node client that ByBlocks needs; *ethclient.Client implements it.
type Client interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
}

// concurrency is how many blocks are read at a time: enough to hide a local node's latency,
// few enough not to crowd the machine other tests share.
const concurrency = 8

// block is what ByBlocks learned about one block of the range.
type block struct {
	hash, parent common.Hash
	logs         []types.Log
}

// ByBlocks returns the logs matching q's addresses and topics in blocks [q.FromBlock,
// q.ToBlock], ordered by block and log index, read one block at a time by block hash (see the
// package documentation for why never by range). A nil FromBlock means block 0 and a nil
// ToBlock the head at the time of the call; block tags (negative numbers) are not supported. A
// query that already names a BlockHash is passed on as it is. ByBlocks fails if a block does
// not exist or if the chain reorganised while it was reading.
func ByBlocks(ctx context.Context, c Client, q ethereum.FilterQuery) ([]types.Log, error) {
	if q.BlockHash != nil {
		if q.FromBlock != nil || q.ToBlock != nil {
			return nil, errors.New("reading logs: a query by block hash cannot also name a range")
		}
		logs, err := c.FilterLogs(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("fetching logs of block %s: %w", q.BlockHash, err)
		}
		return logs, nil
	}
	if (q.FromBlock != nil && q.FromBlock.Sign() < 0) || (q.ToBlock != nil && q.ToBlock.Sign() < 0) {
		return nil, fmt.Errorf("reading logs %v-%v: block tags are not supported, give numbers", q.FromBlock, q.ToBlock)
	}
	var from, to uint64
	if q.FromBlock != nil {
		from = q.FromBlock.Uint64()
	}
	if q.ToBlock != nil {
		to = q.ToBlock.Uint64()
	} else {
		head, err := c.HeaderByNumber(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("reading the head: %w", err)
		}
		to = head.Number.Uint64()
	}
	if from > to {
		return nil, fmt.Errorf("reading logs %d-%d: the range is empty", from, to)
	}

	blocks := make([]block, to-from+1)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i := range blocks {
		n := from + uint64(i)
		g.Go(func() error {
			b, err := read(gctx, c, q, n)
			blocks[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	var out []types.Log
	for i, b := range blocks {
		if i > 0 && b.parent != blocks[i-1].hash {
			n := from + uint64(i)
			return nil, fmt.Errorf("reading logs %d-%d: the parent of block %d is %s, not block %d %s: the chain reorganised while it was read",
				from, to, n, b.parent, n-1, blocks[i-1].hash)
		}
		out = append(out, b.logs...)
	}
	return out, nil
}

// read returns block n's header hashes and its logs that match q, asked for by hash unless the
// block's bloom rules every match out.
func read(ctx context.Context, c Client, q ethereum.FilterQuery, n uint64) (block, error) {
	h, err := c.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
	if err != nil {
		return block{}, fmt.Errorf("reading header %d: %w", n, err)
	}
	b := block{hash: h.Hash(), parent: h.ParentHash}
	if !mayMatch(h.Bloom, q) {
		return b, nil
	}
	logs, err := c.FilterLogs(ctx, ethereum.FilterQuery{BlockHash: &b.hash, Addresses: q.Addresses, Topics: q.Topics})
	if err != nil {
		return block{}, fmt.Errorf("fetching logs of block %d (%s): %w", n, b.hash, err)
	}
	for _, l := range logs {
		if l.BlockHash != b.hash || l.BlockNumber != n {
			return block{}, fmt.Errorf("fetching logs of block %d (%s): the node answered with a log of block %d (%s)",
				n, b.hash, l.BlockNumber, l.BlockHash)
		}
	}
	slices.SortStableFunc(logs, func(x, y types.Log) int { return cmp.Compare(x.Index, y.Index) })
	b.logs = logs
	return b, nil
}

// mayMatch reports whether a block with bloom may hold a log matching q's addresses and topics
// (an empty list of addresses or of topic alternatives matches anything). An all-zero bloom
// proves nothing, since a node might leave it unfilled, so it may always match.
func mayMatch(bloom types.Bloom, q ethereum.FilterQuery) bool {
	if bloom == (types.Bloom{}) {
		return true
	}
	if len(q.Addresses) > 0 && !slices.ContainsFunc(q.Addresses, func(a common.Address) bool { return types.BloomLookup(bloom, a) }) {
		return false
	}
	for _, alts := range q.Topics {
		if len(alts) > 0 && !slices.ContainsFunc(alts, func(t common.Hash) bool { return types.BloomLookup(bloom, t) }) {
			return false
		}
	}
	return true
}
