package workload

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/internal/rpcerr"
)

// Backend is what the workload needs of a node; *ethclient.Client implements it.
type Backend interface {
	ChainID(ctx context.Context) (*big.Int, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	BalanceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (*big.Int, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error)
	CallContract(ctx context.Context, msg ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

// Options wire Deploy and a Workload to a chain. The zero value waits for a chain that seals blocks itself.
type Options struct {
	// Seal, if set, asks an on-demand chain for a block (devchain: func(ctx) error { _, err :=
	// chain.Mine(ctx, 1); return err }). It is called whenever a sent transaction has no receipt yet.
	Seal func(ctx context.Context) error
	// Timeout bounds the wait for one step's receipts. Default 5 minutes.
	Timeout time.Duration
	// PollInterval is how often receipts are polled when Seal is nil. Default 100ms.
	PollInterval time.Duration
	// Logger receives progress logs. Default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	o.Timeout = cmp.Or(o.Timeout, 5*time.Minute)
	o.PollInterval = cmp.Or(o.PollInterval, 100*time.Millisecond)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Pacing and fees. A wave carries at most the gas target of one block (half the gas limit, EIP-1559's
// elasticity): blocks at or under target keep the base fee from rising, while a run of full blocks
// raises it 12.5% a block, which on a dev chain fed for minutes compounds past what any account holds.
// The fee cap is feeCapFactor times the base fee plus the tip: ample while blocks stay at target, and
// enough for a wave that shares its blocks with other senders.
const (
	feeCapFactor     = 4
	waveTargets      = 1 // a wave carries at most this many blocks' gas targets
	gasMargin        = 20_000
	sealPatience     = 4 // seals in a row that include none of our transactions before we give up
	poolLagTolerance = 3 * time.Second
)

// actor is an account the workload sends from or signs with.
type actor struct {
	name string
	key  *ecdsa.PrivateKey
	addr common.Address
}

func newActor(name string, key *ecdsa.PrivateKey) *actor {
	return &actor{name: name, key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
}

// txReq is one transaction of a step. A non-nil err (from packing) fails the step before anything is sent.
type txReq struct {
	from   *actor
	to     *common.Address // nil deploys data as creation code
	data   []byte
	value  *big.Int
	gas    uint64 // fixed gas limit; zero estimates it
	what   string
	events []EventKey                   // the logs the transaction must emit, in order
	done   func(r *types.Receipt) error // applied to the model after success
	err    error
}

// sender sends steps of transactions and waits for their receipts.
type sender struct {
	b       Backend
	opts    Options
	log     *slog.Logger
	chainID *big.Int
	signer  types.Signer
	topics  map[EventKey]common.Hash
	nonces  map[common.Address]uint64

	// funder, if set, tops up any other sender that cannot pay for its part of a wave, with at least
	// minTopUp wei.
	funder   *actor
	minTopUp *big.Int

	mu      sync.Mutex // guards summary: Summary() may be called while a step runs
	summary Summary
}

func newSender(ctx context.Context, b Backend, opts Options) (*sender, error) {
	opts = opts.withDefaults()
	id, err := b.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading chain id: %w", err)
	}
	topics, err := eventTopics()
	if err != nil {
		return nil, err
	}
	return &sender{
		b: b, opts: opts, log: opts.Logger, chainID: id, signer: types.LatestSignerForChainID(id),
		topics: topics, nonces: map[common.Address]uint64{},
		summary: Summary{Events: map[EventKey]int{}},
	}, nil
}

// stepResult is what a step reports back.
type stepResult struct {
	receipts []*types.Receipt // in request order; nil for a request skipped in lenient mode
	failed   int
}

// run sends reqs and waits for their receipts. Strict mode fails on the first problem; lenient mode logs
// problems, skips the affected transactions and goes on.
func (s *sender) run(ctx context.Context, step string, reqs []*txReq, strict bool) (stepResult, error) {
	res := stepResult{receipts: make([]*types.Receipt, len(reqs))}
	for _, r := range reqs {
		if r.err != nil {
			return res, fmt.Errorf("%s: preparing %s: %w", step, r.what, r.err)
		}
	}
	if len(reqs) == 0 {
		return res, nil
	}
	start := time.Now()
	if err := s.estimate(ctx, step, reqs, strict); err != nil {
		return res, err
	}
	head, err := s.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("%s: reading head: %w", step, err)
	}
	waveGas := waveTargets * head.GasLimit / 2
	for lo := 0; lo < len(reqs); {
		hi, gas := lo, uint64(0)
		for hi < len(reqs) && (hi == lo || gas+reqs[hi].gas <= waveGas) {
			gas += reqs[hi].gas
			hi++
		}
		if err := s.wave(ctx, step, reqs[lo:hi], res.receipts[lo:hi], strict, &res.failed); err != nil {
			return res, err
		}
		lo = hi
	}
	if res.failed > 0 {
		s.mu.Lock()
		s.summary.Failed += res.failed
		s.mu.Unlock()
	}
	s.log.Debug("step done", "step", step, "txs", len(reqs), "failed", res.failed, "took", time.Since(start))
	return res, nil
}

// estimate fills the gas limits that are zero, a few requests at a time. A request that would revert is
// an error in strict mode and is dropped (gas stays zero) in lenient mode.
func (s *sender) estimate(ctx context.Context, step string, reqs []*txReq, strict bool) error {
	sem := make(chan struct{}, 4)
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		if r.gas != 0 {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			g, err := s.b.EstimateGas(ctx, ethereum.CallMsg{From: r.from.addr, To: r.to, Data: r.data, Value: r.value})
			if err != nil {
				errs[i] = fmt.Errorf("%s: estimating gas of %s: %s", step, r.what, revertReason(err))
				return
			}
			r.gas = min(g+g/5+gasMargin, params.MaxTxGas)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			continue
		}
		if strict || ctx.Err() != nil {
			return err
		}
		s.log.Warn("skipping transaction", "err", err)
	}
	return nil
}

// wave signs and sends reqs, then waits for all their receipts.
func (s *sender) wave(ctx context.Context, step string, reqs []*txReq, out []*types.Receipt, strict bool, failed *int) error {
	tip, feeCap, err := s.fees(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	if err := s.topUp(ctx, step, reqs, tip, feeCap); err != nil {
		return err
	}
	sent := make([]*types.Transaction, len(reqs))
	for i, r := range reqs {
		if r.gas == 0 { // dropped by estimate in lenient mode
			*failed++
			continue
		}
		tx, err := s.send(ctx, r, tip, feeCap)
		if err != nil {
			err = fmt.Errorf("%s: sending %s: %w", step, r.what, err)
			if strict || ctx.Err() != nil {
				return err
			}
			s.log.Warn("skipping transaction", "err", err)
			*failed++
			continue
		}
		sent[i] = tx
	}
	for i, tx := range sent {
		if tx == nil {
			continue
		}
		rcpt, err := s.await(ctx, tx)
		if err != nil {
			// The transaction may be gone (a reorg that dropped it, a node that evicted it), leaving a gap
			// that would hold back every later nonce: read them from the node again next time.
			clear(s.nonces)
			return fmt.Errorf("%s: waiting for %s (%s): %w", step, reqs[i].what, tx.Hash().Hex(), err)
		}
		if err := s.settle(ctx, reqs[i], rcpt); err != nil {
			if strict {
				return fmt.Errorf("%s: %w", step, err)
			}
			s.log.Warn("transaction failed", "step", step, "err", err)
			*failed++
			continue
		}
		out[i] = rcpt
	}
	return nil
}

// topUp makes sure every sender of reqs but the funder can pay for all of its transactions at the fee
// cap: the node's pool refuses a transaction whose sender cannot cover it and everything it already has
// queued. A sender that falls short gets twice its need (at least minTopUp) from the funder, and the wave
// waits for those transfers. Funding on demand follows the base fee, which a run of full blocks can raise
// a hundredfold on the dev chain.
func (s *sender) topUp(ctx context.Context, step string, reqs []*txReq, tip, feeCap *big.Int) error {
	if s.funder == nil {
		return nil
	}
	need := map[common.Address]*big.Int{}
	var order []*actor
	for _, r := range reqs {
		if r.gas == 0 || r.from.addr == s.funder.addr {
			continue
		}
		n, ok := need[r.from.addr]
		if !ok {
			n = new(big.Int)
			need[r.from.addr] = n
			order = append(order, r.from)
		}
		n.Add(n, new(big.Int).Mul(new(big.Int).SetUint64(r.gas), feeCap))
		if r.value != nil {
			n.Add(n, r.value)
		}
	}
	var funding []*txReq
	for _, a := range order {
		bal, err := s.b.BalanceAt(ctx, a.addr, nil)
		if err != nil {
			return fmt.Errorf("%s: reading balance of %s: %w", step, a.name, err)
		}
		if bal.Cmp(need[a.addr]) >= 0 {
			continue
		}
		amount := new(big.Int).Sub(new(big.Int).Lsh(need[a.addr], 1), bal)
		if s.minTopUp != nil && amount.Cmp(s.minTopUp) < 0 {
			amount.Set(s.minTopUp)
		}
		funding = append(funding, transfer(s.funder, a.addr, amount, "fund "+a.name))
	}
	sent := make([]*types.Transaction, len(funding))
	for i, r := range funding {
		tx, err := s.send(ctx, r, tip, feeCap)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", step, r.what, err)
		}
		sent[i] = tx
	}
	for i, tx := range sent {
		rcpt, err := s.await(ctx, tx)
		if err != nil {
			return fmt.Errorf("%s: waiting for %s: %w", step, funding[i].what, err)
		}
		if err := s.settle(ctx, funding[i], rcpt); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
	}
	return nil
}

// fees returns the tip and fee cap for the next wave.
func (s *sender) fees(ctx context.Context) (tip, feeCap *big.Int, err error) {
	head, err := s.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("reading head for fees: %w", err)
	}
	tip, err = s.b.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("suggesting tip: %w", err)
	}
	base := head.BaseFee
	if base == nil {
		base = new(big.Int)
	}
	feeCap = new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(feeCapFactor)), tip)
	return tip, feeCap, nil
}

// send signs r with the next local nonce of its sender and submits it. The nonce is read from the node
// once per key; after a failed submission it is read again, since the node may or may not hold the tx.
func (s *sender) send(ctx context.Context, r *txReq, tip, feeCap *big.Int) (*types.Transaction, error) {
	nonce, ok := s.nonces[r.from.addr]
	if !ok {
		n, err := s.b.PendingNonceAt(ctx, r.from.addr)
		if err != nil {
			return nil, fmt.Errorf("reading nonce of %s: %w", r.from.name, err)
		}
		nonce = n
	}
	tx, err := types.SignNewTx(r.from.key, s.signer, &types.DynamicFeeTx{
		ChainID: s.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: r.gas,
		To: r.to, Value: cmp.Or(r.value, new(big.Int)), Data: r.data,
	})
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if err := s.submit(ctx, tx); err != nil {
		delete(s.nonces, r.from.addr)
		return nil, err
	}
	s.nonces[r.from.addr] = nonce + 1
	return tx, nil
}

// submit sends tx, retrying for a while when the node says its sender cannot pay. A node's transaction
// pool catches up with a new block in the background, so right after a block that funded the sender it
// may still judge the sender by the state before it.
func (s *sender) submit(ctx context.Context, tx *types.Transaction) error {
	deadline := time.Now().Add(poolLagTolerance)
	for {
		err := s.b.SendTransaction(ctx, tx)
		if err == nil || !strings.Contains(err.Error(), "insufficient funds") || time.Now().After(deadline) {
			return err
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

// await returns tx's receipt, sealing blocks (Options.Seal) or polling until it exists.
func (s *sender) await(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	seals := 0
	for {
		rcpt, err := s.b.TransactionReceipt(ctx, tx.Hash())
		switch {
		case err == nil:
			return rcpt, nil
		case !errors.Is(err, ethereum.NotFound) && !rpcerr.IsIndexing(err):
			return nil, fmt.Errorf("reading receipt: %w", err)
		case s.opts.Seal != nil:
			if seals++; seals > sealPatience {
				return nil, fmt.Errorf("not included after %d sealed blocks (gas limit %d)", sealPatience, tx.Gas())
			}
			if err := s.opts.Seal(ctx); err != nil {
				return nil, fmt.Errorf("sealing a block: %w", err)
			}
		default:
			if err := sleep(ctx, s.opts.PollInterval); err != nil {
				return nil, err
			}
		}
	}
}

// sleep waits for d or the end of ctx.
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

// settle checks a receipt against the request: success and exactly the declared events. It then counts
// the events and applies the request's effect on the model.
func (s *sender) settle(ctx context.Context, r *txReq, rcpt *types.Receipt) error {
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("%s reverted in block %d: %s", r.what, rcpt.BlockNumber, s.replay(ctx, r, rcpt))
	}
	if len(rcpt.Logs) != len(r.events) {
		return fmt.Errorf("%s emitted %d logs, want %d (%v)", r.what, len(rcpt.Logs), len(r.events), r.events)
	}
	for i, l := range rcpt.Logs {
		if len(l.Topics) == 0 || l.Topics[0] != s.topics[r.events[i]] {
			return fmt.Errorf("%s: log %d is not %s", r.what, i, r.events[i])
		}
	}
	if r.done != nil {
		if err := r.done(rcpt); err != nil {
			return fmt.Errorf("%s: %w", r.what, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range r.events {
		s.summary.Events[e]++
	}
	s.summary.Transactions++
	n := rcpt.BlockNumber.Uint64()
	if s.summary.FirstBlock == 0 || n < s.summary.FirstBlock {
		s.summary.FirstBlock = n
	}
	s.summary.LastBlock = max(s.summary.LastBlock, n)
	return nil
}

// replay re-runs a reverted transaction as a call on its block's parent state to learn why it reverted.
// The parent state lacks the transactions before it in the block, so the reason is a best effort.
func (s *sender) replay(ctx context.Context, r *txReq, rcpt *types.Receipt) string {
	parent := new(big.Int).Sub(rcpt.BlockNumber, big.NewInt(1))
	_, err := s.b.CallContract(ctx, ethereum.CallMsg{From: r.from.addr, To: r.to, Data: r.data, Value: r.value, Gas: r.gas}, parent)
	if err == nil {
		return "no reason (the call succeeds on the parent state)"
	}
	return revertReason(err)
}

// revertReason decodes the revert data an RPC error carries into the contracts' custom error, if any.
func revertReason(err error) string {
	var de rpc.DataError
	if errors.As(err, &de) {
		if s, ok := de.ErrorData().(string); ok {
			if data, derr := hexutil.Decode(s); derr == nil {
				if rev, rerr := contracts.DecodeRevert(data); rerr == nil {
					return rev.String()
				}
			}
		}
	}
	return err.Error()
}
