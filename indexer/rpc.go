package indexer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// header is the part of a block header the indexer needs.
type header struct {
	Number     hexutil.Uint64 `json:"number"`
	Hash       common.Hash    `json:"hash"`
	ParentHash common.Hash    `json:"parentHash"`
	Time       hexutil.Uint64 `json:"timestamp"`
	// Bloom is the block's logsBloom: it proves the absence of our logs in most quiet blocks, so
	// that the unfinalised path need not ask for them (see run.blockLogs).
	Bloom types.Bloom `json:"logsBloom"`
}

// node wraps an HTTP JSON-RPC client with per-request timeouts, retries with exponential backoff and
// full jitter on transient failures, and metrics.
type node struct {
	c         *rpc.Client
	logs      *logsClient // eth_getLogs over HTTP, streamed; nil for other transports
	network   string
	m         *metrics
	log       *slog.Logger
	timeout   time.Duration
	retries   int
	base, cap time.Duration
}

// RPC outcomes, the "outcome" label of rahat_indexer_rpc_requests_total.
const (
	outcomeOK          = "ok"
	outcomeTimeout     = "timeout"
	outcomeRateLimited = "rate_limited"
	outcomeServer      = "server_error"
	outcomeConn        = "connection_error"
	outcomeTooLarge    = "range_too_large"
	outcomeInvalid     = "invalid_request"
	outcomeNotFound    = "block_not_found"
	outcomeError       = "error"
)

// blockNotFound is a node's answer to a request by block hash for a block it does not have (a
// load-balanced backend behind the others, or a block already reorganised away).
type blockNotFound struct{ err error }

func (e *blockNotFound) Error() string { return e.err.Error() }
func (e *blockNotFound) Unwrap() error { return errNotYet }

func classify(err error) string {
	if err == nil {
		return outcomeOK
	}
	var nf *blockNotFound
	if errors.As(err, &nf) {
		return outcomeNotFound
	}
	if _, ok := parseRangeError(err); ok {
		return outcomeTooLarge
	}
	var he rpc.HTTPError
	if errors.As(err, &he) {
		switch {
		case he.StatusCode == 429:
			return outcomeRateLimited
		case he.StatusCode == 413:
			return outcomeTooLarge
		case he.StatusCode >= 500 || he.StatusCode == 408:
			return outcomeServer
		}
		return outcomeError
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) {
		return outcomeTimeout
	}
	var re rpc.Error
	if errors.As(err, &re) {
		msg := strings.ToLower(re.Error())
		switch {
		case re.ErrorCode() == 429 || strings.Contains(msg, "rate limit") || strings.Contains(msg, "too many requests") ||
			strings.Contains(msg, "request rate exceeded") || strings.Contains(msg, "capacity exceeded"):
			return outcomeRateLimited
		case re.ErrorCode() == -32601 || re.ErrorCode() == -32602:
			return outcomeInvalid
		}
		return outcomeError
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		if ne != nil && ne.Timeout() {
			return outcomeTimeout
		}
		return outcomeConn
	}
	return outcomeError
}

// retry runs fn until it succeeds, the error is not worth retrying, or the attempts run out.
func (n *node) retry(ctx context.Context, method string, fn func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, n.timeout)
		start := time.Now()
		err := fn(actx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		outcome := classify(err)
		n.m.rpcCalls.WithLabelValues(n.network, method, outcome).Inc()
		n.m.rpcLatency.WithLabelValues(n.network, method).Observe(time.Since(start).Seconds())
		switch outcome {
		case outcomeOK:
			return nil
		case outcomeTooLarge, outcomeInvalid, outcomeNotFound:
			return fmt.Errorf("%s: %w", method, err)
		}
		if attempt+1 >= n.retries {
			return fmt.Errorf("%s: giving up after %d attempts: %w", method, attempt+1, err)
		}
		d := backoff(n.base, n.cap, attempt)
		n.log.Debug("rpc retry", "method", method, "attempt", attempt+1, "outcome", outcome, "wait", d, "err", err)
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// backoff returns a full-jitter exponential delay: uniform in [0, min(cap, base*2^attempt)).
func backoff(base, cap time.Duration, attempt int) time.Duration {
	d := base << min(attempt, 30)
	if d <= 0 || d > cap {
		d = cap
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (n *node) chainID(ctx context.Context) (uint64, error) {
	var v hexutil.Uint64
	err := n.retry(ctx, "eth_chainId", func(ctx context.Context) error { return n.c.CallContext(ctx, &v, "eth_chainId") })
	return uint64(v), err
}

func (n *node) blockNumber(ctx context.Context) (uint64, error) {
	var v hexutil.Uint64
	err := n.retry(ctx, "eth_blockNumber", func(ctx context.Context) error { return n.c.CallContext(ctx, &v, "eth_blockNumber") })
	return uint64(v), err
}

// headerByTag returns the header of a block tag ("finalized", "safe", "latest"); nil if the node
// has none.
func (n *node) headerByTag(ctx context.Context, tag string) (*header, error) {
	var h *header
	err := n.retry(ctx, "eth_getBlockByNumber", func(ctx context.Context) error {
		h = nil
		return n.c.CallContext(ctx, &h, "eth_getBlockByNumber", tag, false)
	})
	return h, err
}

// headers fetches headers by number in batches; a block the node does not have (yet) is nil.
func (n *node) headers(ctx context.Context, nums []uint64) ([]*header, error) {
	out := make([]*header, len(nums))
	const chunk = 100
	for i := 0; i < len(nums); i += chunk {
		part := nums[i:min(i+chunk, len(nums))]
		res := out[i : i+len(part)]
		err := n.retry(ctx, "batch:eth_getBlockByNumber", func(ctx context.Context) error {
			elems := make([]rpc.BatchElem, len(part))
			for j, num := range part {
				res[j] = nil
				elems[j] = rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{hexutil.Uint64(num), false}, Result: &res[j]}
			}
			if err := n.c.BatchCallContext(ctx, elems); err != nil {
				return err
			}
			for _, e := range elems {
				if e.Error != nil {
					return e.Error
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fetching headers %d-%d: %w", part[0], part[len(part)-1], err)
		}
	}
	return out, nil
}

// logFilter is the JSON form of an eth_getLogs filter: a block range, or one block by hash.
type logFilter struct {
	FromBlock *hexutil.Uint64  `json:"fromBlock,omitempty"`
	ToBlock   *hexutil.Uint64  `json:"toBlock,omitempty"`
	BlockHash *common.Hash     `json:"blockHash,omitempty"`
	Address   []common.Address `json:"address,omitempty"`
	Topics    [][]common.Hash  `json:"topics,omitempty"`
}

// getLogs runs one eth_getLogs. A node's "range too large" answer comes back as *rangeError
// without retries: the caller splits the range.
func (n *node) getLogs(ctx context.Context, from, to uint64, addrs []common.Address, topics []common.Hash) ([]types.Log, error) {
	f := logFilter{FromBlock: (*hexutil.Uint64)(&from), ToBlock: (*hexutil.Uint64)(&to), Address: addrs}
	logs, err := n.runLogs(ctx, f, topics)
	if err != nil {
		if re, ok := parseRangeError(err); ok {
			re.from, re.to = from, to
			return nil, re
		}
		return nil, fmt.Errorf("fetching logs %d-%d: %w", from, to, err)
	}
	return logs, nil
}

// getBlockLogs runs one eth_getLogs for the block with this hash. Nodes answer it from the block's
// receipts (go-ethereum: never from its log index), and only with logs of that very block. A node
// that does not have the block answers errNotYet.
func (n *node) getBlockLogs(ctx context.Context, hash common.Hash, addrs []common.Address, topics []common.Hash) ([]types.Log, error) {
	logs, err := n.runLogs(ctx, logFilter{BlockHash: &hash, Address: addrs}, topics)
	if err != nil {
		return nil, fmt.Errorf("fetching logs of block %s: %w", hash, err)
	}
	return logs, nil
}

func (n *node) runLogs(ctx context.Context, f logFilter, topics []common.Hash) ([]types.Log, error) {
	var logs []types.Log
	if len(topics) > 0 {
		f.Topics = [][]common.Hash{topics}
	}
	err := n.retry(ctx, "eth_getLogs", func(ctx context.Context) error {
		logs = nil
		var err error
		if n.logs != nil {
			logs, err = n.logs.getLogs(ctx, f)
		} else {
			err = n.c.CallContext(ctx, &logs, "eth_getLogs", f)
		}
		if f.BlockHash != nil && isUnknownBlock(err) {
			return &blockNotFound{err}
		}
		return err
	})
	return logs, err
}

// isUnknownBlock recognises the answers of nodes asked for logs of a block they do not have:
// go-ethereum "unknown block", Erigon "block not found", Nethermind "... could not be found".
func isUnknownBlock(err error) bool {
	var re rpc.Error
	if err == nil || !errors.As(err, &re) || re.ErrorCode() == -32601 { // -32601: method not found
		return false
	}
	msg := strings.ToLower(re.Error())
	return strings.Contains(msg, "unknown block") || strings.Contains(msg, "not found") ||
		strings.Contains(msg, "could not be found")
}
