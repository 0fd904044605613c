package workload

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
)

// bulkRecipients is how many addresses Bulk mints to in turn. After a first mintBatch creates their
// balance slots, each further Transfer of mintBatchRepeat rewrites warm slots (about 3,600 gas).
const bulkRecipients = 100

// bulkTxGas is the gas a mintBatchRepeat transaction aims at: as much as possible, such that a whole
// number of them fill a block's gas target (see waveTargets) and each stays under the per-transaction cap.
func bulkTxGas(blockGasLimit uint64) uint64 {
	target := blockGasLimit / 2
	capped := params.MaxTxGas / 10 * 9
	perBlock := (target + capped - 1) / capped
	return target/perBlock - target/perBlock/20 // 5% for the margin gas() adds
}

// BulkResult reports a Bulk run.
type BulkResult struct {
	// Token is the token whose Transfer events Bulk emitted; no other transaction touches it.
	Token common.Address
	// Events is the number of Transfer events emitted (the n asked for).
	Events int
	// Transactions is how many transactions carried them.
	Transactions int
	// FromBlock and ToBlock bound the blocks that hold the events.
	FromBlock, ToBlock uint64
	// Elapsed is the wall time from the first transaction sent to the last one included.
	Elapsed time.Duration
}

// Rate returns the events per second achieved.
func (r BulkResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

// Bulk emits exactly n Transfer events (mints of one unit) as fast as the chain takes them, for indexer
// benchmarks. The first call creates a dedicated token (Rahat Bulk, owned by the treasury and the admin),
// which is not part of the events counted; every call mints with it. Success is checked by the token's
// total supply rather than by reading every receipt, whose thousands of logs would cost more than minting.
func (w *Workload) Bulk(ctx context.Context, n int) (BulkResult, error) {
	if n <= 0 {
		return BulkResult{}, fmt.Errorf("bulk: n must be positive, got %d", n)
	}
	if err := w.bulkToken(ctx); err != nil {
		return BulkResult{}, err
	}
	res := BulkResult{Token: w.bulk.addr, Events: n}
	to := bulkAddresses(w.cfg.Seed, bulkRecipients)
	supply0, err := w.totalSupply(ctx, w.bulk.addr)
	if err != nil {
		return res, err
	}
	start := time.Now()
	head, err := w.head(ctx)
	if err != nil {
		return res, err
	}
	res.FromBlock = head.Number.Uint64() + 1

	// The first mintBatch warms the recipients' balances (when they are cold); it counts towards n.
	first := min(n, len(to))
	if _, err := w.s.run(ctx, "bulk warm-up", []*txReq{w.mintBatch(to[:first])}, true); err != nil {
		return res, err
	}
	res.Transactions++
	left := n - first
	flooded, floodEvents := 0, 0 // flood reads no receipts, so the summary is told here
	if left >= len(to) {
		perRound, base, err := w.bulkGas(ctx, to)
		if err != nil {
			return res, err
		}
		head, err := w.head(ctx)
		if err != nil {
			return res, err
		}
		target := bulkTxGas(head.GasLimit)
		rounds := max(1, int((target-min(base, target))/perRound))
		gas := func(r int) uint64 { return min(base+perRound*uint64(r)+perRound/2+gasMargin, params.MaxTxGas) }
		var reqs []*txReq
		for left >= len(to) {
			r := min(rounds, left/len(to))
			req := call(w.admin, w.bulk.addr, &w.abi.token, fmt.Sprintf("mintBatchRepeat(%d x %d)", len(to), r), nil,
				"mintBatchRepeat", to, big.NewInt(1), big.NewInt(int64(r)))
			req.gas = gas(r)
			reqs = append(reqs, req)
			left -= r * len(to)
		}
		if err := w.flood(ctx, reqs); err != nil {
			return res, err
		}
		res.Transactions += len(reqs)
		flooded, floodEvents = len(reqs), n-first-left
	}
	if left > 0 {
		if _, err := w.s.run(ctx, "bulk tail", []*txReq{w.mintBatch(to[:left])}, true); err != nil {
			return res, err
		}
		res.Transactions++
	}
	res.Elapsed = time.Since(start)
	if head, err = w.head(ctx); err != nil {
		return res, err
	}
	res.ToBlock = head.Number.Uint64()
	supply, err := w.totalSupply(ctx, w.bulk.addr)
	if err != nil {
		return res, err
	}
	if got := new(big.Int).Sub(supply, supply0); got.Cmp(big.NewInt(int64(n))) != 0 {
		return res, fmt.Errorf("bulk: minted %s transfers, want %d (a transaction failed)", got, n)
	}
	w.record(func(s *Summary) {
		s.Events[tokenEv("Transfer")] += floodEvents
		s.Transactions += flooded
		s.LastBlock = max(s.LastBlock, res.ToBlock)
	})
	w.log.Info("bulk done", "events", n, "txs", res.Transactions, "blocks", fmt.Sprintf("%d-%d", res.FromBlock, res.ToBlock),
		"took", res.Elapsed.Round(time.Millisecond), "events_per_s", int(res.Rate()))
	return res, nil
}

// bulkToken creates the bulk token and makes the admin an owner, once.
func (w *Workload) bulkToken(ctx context.Context) error {
	if w.bulk != nil {
		return nil
	}
	t := &token{index: -1, name: "Rahat Bulk", symbol: "RBULK"}
	r := w.createToken(t.name, t.symbol)
	r.done = func(rcpt *types.Receipt) error {
		addr, err := topicAddress(rcpt, 1, 1)
		t.addr = addr
		return err
	}
	if _, err := w.s.run(ctx, "bulk token", []*txReq{r}, true); err != nil {
		return err
	}
	if _, err := w.s.run(ctx, "bulk owner", []*txReq{w.addTokenOwner(t, w.admin.addr)}, true); err != nil {
		return err
	}
	w.bulk = t
	return nil
}

func (w *Workload) mintBatch(to []common.Address) *txReq {
	amounts := make([]*big.Int, len(to))
	for i := range amounts {
		amounts[i] = big.NewInt(1)
	}
	return call(w.admin, w.bulk.addr, &w.abi.token, fmt.Sprintf("mintBatch(%d)", len(to)),
		repeat(tokenEv("Transfer"), len(to)), "mintBatch", to, amounts)
}

// bulkGas estimates mintBatchRepeat over to as base + rounds*perRound, from estimates of one and two rounds.
func (w *Workload) bulkGas(ctx context.Context, to []common.Address) (perRound, base uint64, err error) {
	var est [2]uint64
	for i := range est {
		data, err := w.abi.token.Pack("mintBatchRepeat", to, big.NewInt(1), big.NewInt(int64(i+1)))
		if err != nil {
			return 0, 0, fmt.Errorf("packing mintBatchRepeat: %w", err)
		}
		est[i], err = w.s.b.EstimateGas(ctx, ethereum.CallMsg{From: w.admin.addr, To: &w.bulk.addr, Data: data})
		if err != nil {
			return 0, 0, fmt.Errorf("bulk: estimating mintBatchRepeat: %s", revertReason(err))
		}
	}
	if est[1] <= est[0] {
		return 0, 0, errors.New("bulk: mintBatchRepeat gas does not grow with rounds")
	}
	perRound = est[1] - est[0]
	return perRound, est[0] - min(perRound, est[0]), nil
}

// flood sends reqs in waves of one block's gas target and waits, per wave, until the admin's nonce shows
// all of them included.
func (w *Workload) flood(ctx context.Context, reqs []*txReq) error {
	for _, r := range reqs {
		if r.err != nil {
			return fmt.Errorf("bulk: preparing %s: %w", r.what, r.err)
		}
	}
	head, err := w.head(ctx)
	if err != nil {
		return err
	}
	waveGas := waveTargets * head.GasLimit / 2
	for lo := 0; lo < len(reqs); {
		tip, feeCap, err := w.s.fees(ctx)
		if err != nil {
			return fmt.Errorf("bulk: %w", err)
		}
		var gas uint64
		for ; lo < len(reqs) && (gas == 0 || gas+reqs[lo].gas <= waveGas); lo++ {
			if _, err := w.s.send(ctx, reqs[lo], tip, feeCap); err != nil {
				return fmt.Errorf("bulk: sending %s: %w", reqs[lo].what, err)
			}
			gas += reqs[lo].gas
		}
		if err := w.awaitNonce(ctx, w.admin, w.s.nonces[w.admin.addr]); err != nil {
			return fmt.Errorf("bulk: %w", err)
		}
	}
	return nil
}

// awaitNonce waits until a's nonce in the latest block reaches want, sealing blocks with Options.Seal.
func (w *Workload) awaitNonce(ctx context.Context, a *actor, want uint64) error {
	ctx, cancel := context.WithTimeout(ctx, w.s.opts.Timeout)
	defer cancel()
	last, stuck := uint64(0), 0
	for {
		got, err := w.s.b.NonceAt(ctx, a.addr, nil)
		if err != nil {
			return fmt.Errorf("reading nonce of %s: %w", a.name, err)
		}
		if got >= want {
			return nil
		}
		if w.s.opts.Seal == nil {
			if err := sleep(ctx, w.s.opts.PollInterval); err != nil {
				return fmt.Errorf("waiting for nonce %d of %s (at %d): %w", want, a.name, got, err)
			}
			continue
		}
		if got == last {
			if stuck++; stuck > sealPatience {
				return fmt.Errorf("%s's transactions stopped being included at nonce %d", a.name, got)
			}
		} else {
			last, stuck = got, 0
		}
		if err := w.s.opts.Seal(ctx); err != nil {
			return fmt.Errorf("sealing a block: %w", err)
		}
	}
}

// totalSupply reads a token's total supply.
func (w *Workload) totalSupply(ctx context.Context, t common.Address) (*big.Int, error) {
	data, err := w.abi.token.Pack("totalSupply")
	if err != nil {
		return nil, fmt.Errorf("packing totalSupply: %w", err)
	}
	out, err := w.s.b.CallContract(ctx, ethereum.CallMsg{To: &t, Data: data}, nil)
	if err != nil {
		return nil, fmt.Errorf("reading total supply of %s: %w", t, err)
	}
	return new(big.Int).SetBytes(out), nil
}

// bulkAddresses derives n recipient addresses from the seed; no one holds their keys.
func bulkAddresses(seed int64, n int) []common.Address {
	out := make([]common.Address, n)
	var buf [12]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(seed))
	for i := range out {
		binary.BigEndian.PutUint32(buf[8:], uint32(i))
		out[i] = common.BytesToAddress(crypto.Keccak256([]byte("rahat bulk recipient"), buf[:])[12:])
	}
	return out
}
