package api

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// chainReader makes the eth_calls the API validates against. Reads that must agree with each
// other (a budget and the allocations it is compared with) are made at one block number.
type chainReader struct {
	client         *ethclient.Client
	project, token abi.ABI
}

// batchSize keeps a JSON-RPC batch under the node's limit (geth: 1,000 calls).
const batchSize = 500

// call runs one view function and unpacks its single result.
func (c *chainReader) call(ctx context.Context, a abi.ABI, to common.Address, block *big.Int, method string, args ...any) (any, error) {
	data, err := a.Pack(method, args...)
	if err != nil {
		return nil, fmt.Errorf("packing %s: %w", method, err)
	}
	out, err := c.client.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, block)
	if err != nil {
		return nil, fmt.Errorf("calling %s on %s: %w", method, to, err)
	}
	vals, err := a.Unpack(method, out)
	if err != nil || len(vals) == 0 {
		return nil, fmt.Errorf("decoding %s from %s: %w", method, to, errors.Join(err, errEmpty))
	}
	return vals[0], nil
}

var errEmpty = errors.New("no return value (is it a contract?)")

func (c *chainReader) bigCall(ctx context.Context, a abi.ABI, to common.Address, block *big.Int, method string, args ...any) (*big.Int, error) {
	v, err := c.call(ctx, a, to, block, method, args...)
	if err != nil {
		return nil, err
	}
	n, ok := v.(*big.Int)
	if !ok {
		return nil, fmt.Errorf("%s returned %T", method, v)
	}
	return n, nil
}

func (c *chainReader) boolCall(ctx context.Context, a abi.ABI, to common.Address, block *big.Int, method string, args ...any) (bool, error) {
	v, err := c.call(ctx, a, to, block, method, args...)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s returned %T", method, v)
	}
	return b, nil
}

func (c *chainReader) addressCall(ctx context.Context, a abi.ABI, to common.Address, method string) (common.Address, error) {
	v, err := c.call(ctx, a, to, nil, method)
	if err != nil {
		return common.Address{}, err
	}
	addr, ok := v.(common.Address)
	if !ok {
		return common.Address{}, fmt.Errorf("%s returned %T", method, v)
	}
	return addr, nil
}

// each runs method(addr) for every address in JSON-RPC batches at block and returns the raw
// results in order.
func (c *chainReader) each(ctx context.Context, a abi.ABI, to common.Address, block uint64, method string, addrs []common.Address) ([][]byte, error) {
	out := make([][]byte, len(addrs))
	blockTag := hexutil.EncodeUint64(block)
	for lo := 0; lo < len(addrs); lo += batchSize {
		hi := min(lo+batchSize, len(addrs))
		elems := make([]rpc.BatchElem, hi-lo)
		res := make([]hexutil.Bytes, hi-lo)
		for i := range elems {
			data, err := a.Pack(method, addrs[lo+i])
			if err != nil {
				return nil, fmt.Errorf("packing %s: %w", method, err)
			}
			call := map[string]any{"to": to, "input": hexutil.Bytes(data)}
			elems[i] = rpc.BatchElem{Method: "eth_call", Args: []any{call, blockTag}, Result: &res[i]}
		}
		if err := c.client.Client().BatchCallContext(ctx, elems); err != nil {
			return nil, fmt.Errorf("batch of %s calls: %w", method, err)
		}
		for i, e := range elems {
			if e.Error != nil {
				return nil, fmt.Errorf("%s(%s): %w", method, addrs[lo+i], e.Error)
			}
			out[lo+i] = res[i]
		}
	}
	return out, nil
}

// allocations returns allocation(addr) of every address at block.
func (c *chainReader) allocations(ctx context.Context, project common.Address, block uint64, addrs []common.Address) ([]*big.Int, error) {
	raw, err := c.each(ctx, c.project, project, block, "allocation", addrs)
	if err != nil {
		return nil, err
	}
	out := make([]*big.Int, len(raw))
	for i, r := range raw {
		if len(r) != 32 {
			return nil, fmt.Errorf("allocation(%s): %d bytes returned", addrs[i], len(r))
		}
		out[i] = new(big.Int).SetBytes(r)
	}
	return out, nil
}

// registered returns isBeneficiary(addr) of every address at block.
func (c *chainReader) registered(ctx context.Context, project common.Address, block uint64, addrs []common.Address) ([]bool, error) {
	raw, err := c.each(ctx, c.project, project, block, "isBeneficiary", addrs)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(raw))
	for i, r := range raw {
		if len(r) != 32 {
			return nil, fmt.Errorf("isBeneficiary(%s): %d bytes returned", addrs[i], len(r))
		}
		out[i] = r[31] == 1
	}
	return out, nil
}
