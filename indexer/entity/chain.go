package entity

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/contracts"
)

// Chain reads from the node what events do not carry. The handler calls it inside the indexing
// transaction, rarely: when a token or project first appears, and for claim codes and
// settlements. RPC is the implementation over JSON-RPC; tests and benchmarks may wrap it, e.g.
// to cache.
type Chain interface {
	// TokenInfo returns an ERC-20's metadata as of the block with hash at. Fields the contract
	// does not provide are nil; an error means the node could not be asked (retry later).
	TokenInfo(ctx context.Context, token common.Address, at common.Hash) (TokenInfo, error)
	// ProjectInfo returns a RahatProject's name and token as of the block with hash at, for a
	// project indexed without its ProjectCreated event. Fields it cannot read are nil.
	ProjectInfo(ctx context.Context, project common.Address, at common.Hash) (ProjectInfo, error)
	// ClaimCalls decodes the transactions refs point at: a direct call of addOtpToClaim or
	// processClaim on ref.Project yields the claim id (and, for addOtpToClaim, the code's hash
	// and expiry); anything else yields Found false. The result has one element per ref.
	ClaimCalls(ctx context.Context, refs []TxRef) ([]ClaimCall, error)
	// Claim reads claims(id) of a project as of the block with hash at. ok is false when the
	// node cannot answer for that block (a pruned node) or the project does not answer.
	Claim(ctx context.Context, project common.Address, id *big.Int, at common.Hash) (c OnchainClaim, ok bool, err error)
}

// TokenInfo is an ERC-20's metadata.
type TokenInfo struct {
	Name, Symbol *string
	Decimals     *uint8
}

// ProjectInfo is what a project says about itself.
type ProjectInfo struct {
	Name  *string
	Token *common.Address
}

// TxRef points at the transaction that emitted an event.
type TxRef struct {
	BlockHash common.Hash
	TxIndex   uint
	Project   common.Address
}

// ClaimCall is a decoded addOtpToClaim or processClaim call.
type ClaimCall struct {
	Found     bool
	Method    string // "addOtpToClaim" or "processClaim"
	ClaimID   *big.Int
	OtpHash   common.Hash // addOtpToClaim only
	ExpiresAt uint64      // addOtpToClaim only
}

// OnchainClaim is RahatProject.claims(id).
type OnchainClaim struct {
	Claimer   common.Address
	ExpiresAt uint64
	Settled   bool
	Claimee   common.Address
	Amount    *big.Int
	OtpHash   common.Hash
}

// RPC implements Chain over a JSON-RPC client.
type RPC struct {
	client  *ethclient.Client
	token   abi.ABI
	project abi.ABI
}

// NewRPC returns a Chain reading through client.
func NewRPC(client *ethclient.Client) (*RPC, error) {
	token, err := contracts.ABI("RahatToken")
	if err != nil {
		return nil, fmt.Errorf("loading RahatToken ABI: %w", err)
	}
	project, err := contracts.ABI("RahatProject")
	if err != nil {
		return nil, fmt.Errorf("loading RahatProject ABI: %w", err)
	}
	return &RPC{client: client, token: token, project: project}, nil
}

// callArgs is the first parameter of eth_call.
type callArgs struct {
	To   common.Address `json:"to"`
	Data hexutil.Bytes  `json:"data"`
}

// calls runs eth_calls of methods without arguments on to, in one batch, at the block with hash
// at; a call the node rejects (a revert, or state it no longer has) is retried at "latest", since
// what is read here does not change after deployment. Results that stay unavailable are nil.
func (r *RPC) calls(ctx context.Context, a *abi.ABI, to common.Address, at common.Hash, methods ...string) ([][]any, error) {
	out := make([][]any, len(methods))
	data := make([][]byte, len(methods))
	for i, m := range methods {
		d, err := a.Pack(m)
		if err != nil {
			return nil, fmt.Errorf("packing %s: %w", m, err)
		}
		data[i] = d
	}
	for _, block := range []any{rpc.BlockNumberOrHashWithHash(at, false), "latest"} {
		var batch []rpc.BatchElem
		var idx []int
		res := make([]hexutil.Bytes, len(methods))
		for i := range methods {
			if out[i] != nil {
				continue
			}
			batch = append(batch, rpc.BatchElem{Method: "eth_call", Args: []any{callArgs{To: to, Data: data[i]}, block}, Result: &res[i]})
			idx = append(idx, i)
		}
		if len(batch) == 0 {
			break
		}
		if err := r.client.Client().BatchCallContext(ctx, batch); err != nil {
			return nil, fmt.Errorf("eth_call on %s: %w", to, err)
		}
		for j, el := range batch {
			i := idx[j]
			if el.Error != nil {
				var re rpc.Error
				if !errors.As(el.Error, &re) {
					return nil, fmt.Errorf("eth_call %s on %s: %w", methods[i], to, el.Error)
				}
				continue
			}
			if len(res[i]) == 0 {
				continue
			}
			if vals, err := a.Unpack(methods[i], res[i]); err == nil {
				out[i] = vals
			}
		}
	}
	return out, nil
}

// TokenInfo implements Chain.
func (r *RPC) TokenInfo(ctx context.Context, token common.Address, at common.Hash) (TokenInfo, error) {
	res, err := r.calls(ctx, &r.token, token, at, "name", "symbol", "decimals")
	if err != nil {
		return TokenInfo{}, err
	}
	var ti TokenInfo
	if s, ok := first[string](res[0]); ok {
		ti.Name = &s
	}
	if s, ok := first[string](res[1]); ok {
		ti.Symbol = &s
	}
	if d, ok := first[uint8](res[2]); ok {
		ti.Decimals = &d
	}
	return ti, nil
}

// ProjectInfo implements Chain.
func (r *RPC) ProjectInfo(ctx context.Context, project common.Address, at common.Hash) (ProjectInfo, error) {
	res, err := r.calls(ctx, &r.project, project, at, "name", "token")
	if err != nil {
		return ProjectInfo{}, err
	}
	var pi ProjectInfo
	if s, ok := first[string](res[0]); ok {
		pi.Name = &s
	}
	if a, ok := first[common.Address](res[1]); ok {
		pi.Token = &a
	}
	return pi, nil
}

func first[T any](vals []any) (T, bool) {
	var z T
	if len(vals) == 0 {
		return z, false
	}
	v, ok := vals[0].(T)
	return v, ok
}

// ClaimCalls implements Chain with one batch of eth_getTransactionByBlockHashAndIndex, which
// needs no transaction lookup index on the node.
func (r *RPC) ClaimCalls(ctx context.Context, refs []TxRef) ([]ClaimCall, error) {
	out := make([]ClaimCall, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	txs := make([]*types.Transaction, len(refs))
	batch := make([]rpc.BatchElem, len(refs))
	for i, ref := range refs {
		batch[i] = rpc.BatchElem{Method: "eth_getTransactionByBlockHashAndIndex",
			Args: []any{ref.BlockHash, hexutil.Uint(ref.TxIndex)}, Result: &txs[i]}
	}
	if err := r.client.Client().BatchCallContext(ctx, batch); err != nil {
		return nil, fmt.Errorf("fetching claim transactions: %w", err)
	}
	otp, process := r.project.Methods["addOtpToClaim"], r.project.Methods["processClaim"]
	for i, el := range batch {
		if el.Error != nil {
			return nil, fmt.Errorf("fetching transaction %d of block %s: %w", refs[i].TxIndex, refs[i].BlockHash, el.Error)
		}
		tx := txs[i]
		if tx == nil {
			return nil, fmt.Errorf("transaction %d of block %s not found", refs[i].TxIndex, refs[i].BlockHash)
		}
		if tx.To() == nil || *tx.To() != refs[i].Project || len(tx.Data()) < 4 {
			continue
		}
		input := tx.Data()
		switch {
		case string(input[:4]) == string(otp.ID):
			vals, err := otp.Inputs.Unpack(input[4:])
			if err != nil || len(vals) != 3 {
				continue
			}
			id, _ := vals[0].(*big.Int)
			h, _ := vals[1].([32]byte)
			exp, _ := vals[2].(uint64)
			if id == nil {
				continue
			}
			out[i] = ClaimCall{Found: true, Method: "addOtpToClaim", ClaimID: id, OtpHash: h, ExpiresAt: exp}
		case string(input[:4]) == string(process.ID):
			vals, err := process.Inputs.Unpack(input[4:])
			if err != nil || len(vals) != 2 {
				continue
			}
			if id, _ := vals[0].(*big.Int); id != nil {
				out[i] = ClaimCall{Found: true, Method: "processClaim", ClaimID: id}
			}
		}
	}
	return out, nil
}

// Claim implements Chain.
func (r *RPC) Claim(ctx context.Context, project common.Address, id *big.Int, at common.Hash) (OnchainClaim, bool, error) {
	data, err := r.project.Pack("claims", id)
	if err != nil {
		return OnchainClaim{}, false, fmt.Errorf("packing claims: %w", err)
	}
	var res hexutil.Bytes
	err = r.client.Client().CallContext(ctx, &res, "eth_call", callArgs{To: project, Data: data}, rpc.BlockNumberOrHashWithHash(at, false))
	var re rpc.Error
	if errors.As(err, &re) {
		return OnchainClaim{}, false, nil
	}
	if err != nil {
		return OnchainClaim{}, false, fmt.Errorf("eth_call claims(%s) on %s: %w", id, project, err)
	}
	vals, err := r.project.Unpack("claims", res)
	if err != nil {
		return OnchainClaim{}, false, nil
	}
	c, err := claimFromValues(vals)
	if err != nil {
		return OnchainClaim{}, false, nil
	}
	return c, true, nil
}
