package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/workload"
)

// Live figures: latency from a block's production (devchain's Mine returning) to the commit of its
// rows (the indexer's OnCommit), against a bare newHeads subscriber on the same node; and the time
// from a depth-10 reorg's new head appearing (Reorg returning) to the commit of the rollback and
// the new branch.
const (
	liveBlocks  = 250
	liveReorgs  = 25
	reorgDepth  = 10
	liveRecips  = 5 // Transfers per live block
	liveTimeout = 10 * time.Second
)

// commitAt is a commit as the indexer announced it, with the time it did.
type commitAt struct {
	to    uint64
	reorg bool
	at    time.Time
}

// liveRig is a small chain with an indexer following it over websocket.
type liveRig struct {
	chain   *devchain.Chain
	token   *bindings.RahatToken
	opts    *bind.TransactOpts
	nonce   uint64
	to      []common.Address
	amounts []*big.Int
	commits chan commitAt

	mu    sync.Mutex
	heads map[uint64]time.Time // arrival of newHeads at the bare subscriber
}

func runLive(ctx context.Context, env *Env) ([]Result, error) {
	r, stop, err := startLive(ctx, env)
	if err != nil {
		return nil, err
	}
	defer stop()
	lat, bare, err := r.blocks(ctx, max(200, env.N(liveBlocks)))
	if err != nil {
		return nil, err
	}
	rg, err := r.reorgs(ctx, max(5, env.N(liveReorgs)))
	if err != nil {
		return nil, err
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	lp50, lp99 := pct(lat, 50), pct(lat, 99)
	bp50, bp99 := pct(bare, 50), pct(bare, 99)
	rp50, rp99 := pct(rg, 50), pct(rg, 99)
	env.Log.Info("live latency", "blocks", len(lat), "p50", lp50, "p99", lp99, "bare_p50", bp50, "bare_p99", bp99)
	env.Log.Info("reorg depth 10", "reorgs", len(rg), "p50", rp50, "p99", rp99)
	return []Result{
		latResult("indexer: live latency p50", ms(lp50), "bare newHeads subscriber p50, ms", ms(bp50), "reported", true),
		latResult("indexer: live latency p99", ms(lp99), "bare newHeads subscriber p99, ms", ms(bp99), "< 100 ms", lp99 < 100*time.Millisecond),
		latResult("indexer: reorg depth 10 p50", ms(rp50), "live latency p50 (one block), ms", ms(lp50), "< 250 ms", rp50 < 250*time.Millisecond),
		latResult("indexer: reorg depth 10 p99", ms(rp99), "live latency p50 (one block), ms", ms(lp50), "< 250 ms", rp99 < 250*time.Millisecond),
	}, nil
}

// startLive starts a small chain with a mintable token, an indexer following it over websocket on
// a fresh database (caught up when startLive returns) and the bare newHeads subscriber. stop ends
// them all.
func startLive(ctx context.Context, env *Env) (r *liveRig, stop func(), err error) {
	var closers []func()
	stop = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	chain, err := devchain.Start(ctx, devchain.Config{Logger: slog.New(slog.DiscardHandler), NoLogIndex: true})
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { chain.Close() })
	seal := func(ctx context.Context) error { _, err := chain.Mine(ctx, 1); return err }
	wopts := workload.Options{Seal: seal, Logger: env.Log}
	key := chain.Keys()[0]
	d, err := workload.Deploy(ctx, chain.Client(), key, wopts)
	if err != nil {
		return nil, nil, err
	}
	wl, err := workload.New(ctx, chain.Client(), d, key, workload.Config{Seed: 2}, wopts)
	if err != nil {
		return nil, nil, err
	}
	bulk, err := wl.Bulk(ctx, 100) // creates a token the deployer may mint
	if err != nil {
		return nil, nil, err
	}
	r = &liveRig{chain: chain, commits: make(chan commitAt, 8192), heads: map[uint64]time.Time{},
		to: chain.Accounts()[1 : 1+liveRecips]}
	for range liveRecips {
		r.amounts = append(r.amounts, big.NewInt(1))
	}
	if r.token, err = bindings.NewRahatToken(bulk.Token, chain.Client()); err != nil {
		return nil, nil, err
	}
	if r.opts, err = bind.NewKeyedTransactorWithChainID(key, chain.ChainID()); err != nil {
		return nil, nil, err
	}
	// Fixed gas and fees: no estimation round trips between Mine calls.
	r.opts.Context, r.opts.GasLimit = ctx, 1_000_000
	r.opts.GasTipCap, r.opts.GasFeeCap = big.NewInt(params.GWei), big.NewInt(1000*params.GWei)
	if r.nonce, err = chain.Client().PendingNonceAt(ctx, chain.Accounts()[0]); err != nil {
		return nil, nil, err
	}

	db, _, err := env.NewDatabase(ctx, 8)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, db.Close)
	net := config.Network{Name: "bench-live", ChainID: devchain.ChainID, RPCURL: chain.HTTPURL(), WSURL: chain.WSURL(),
		FinalityDepth: ixFinality}
	ix, err := indexer.New(indexer.Config{Network: net, Sources: d.Sources(net.Name), DB: db, ABI: contracts.ABI,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Registry: prometheus.NewRegistry(),
		OnCommit: func(c indexer.Commit) {
			select {
			case r.commits <- commitAt{to: c.To, reorg: c.Reorg != nil, at: time.Now()}:
			default: // never block the indexer; the rig drains the channel
			}
		}})
	if err != nil {
		return nil, nil, err
	}
	rctx, cancelRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- ix.Run(rctx) }()
	closers = append(closers, func() {
		cancelRun()
		<-ran
	})
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = ix.WaitIndexed(wctx, chain.Head().Latest.Number)
	cancel()
	if err != nil {
		return nil, nil, err
	}
	sctx, cancelSub := context.WithCancel(ctx)
	closers = append(closers, cancelSub)
	if err := r.subscribe(sctx); err != nil {
		return nil, nil, err
	}
	return r, stop, nil
}

// blocks produces n blocks with events and returns, per block, the time from Mine returning to the
// commit of its rows, and to the bare subscriber's newHeads.
func (r *liveRig) blocks(ctx context.Context, n int) (lat, bare []time.Duration, err error) {
	for range n {
		num, t0, err := r.block(ctx)
		if err != nil {
			return nil, nil, err
		}
		c, err := r.await(ctx, func(c commitAt) bool { return c.to >= num })
		if err != nil {
			return nil, nil, err
		}
		lat = append(lat, max(0, c.at.Sub(t0)))
		r.mu.Lock()
		if at, ok := r.heads[num]; ok {
			bare = append(bare, max(0, at.Sub(t0)))
		}
		r.mu.Unlock()
	}
	return lat, bare, nil
}

// reorgs replaces the last reorgDepth blocks (each with events, all indexed) n times, with their
// transactions on the new branch, and returns the time from Reorg returning (the new head is
// canonical) to the commit of the rollback and the new branch.
func (r *liveRig) reorgs(ctx context.Context, n int) ([]time.Duration, error) {
	var out []time.Duration
	for range n {
		var num uint64
		var err error
		for range reorgDepth {
			if num, _, err = r.block(ctx); err != nil {
				return nil, err
			}
		}
		if _, err := r.await(ctx, func(c commitAt) bool { return c.to >= num }); err != nil {
			return nil, err
		}
		res, err := r.chain.Reorg(ctx, reorgDepth, reorgDepth+1, devchain.ReorgOptions{Reinclude: true})
		t0 := time.Now()
		if err != nil {
			return nil, err
		}
		c, err := r.await(ctx, func(c commitAt) bool { return c.reorg && c.to >= res.NewHead.Number })
		if err != nil {
			return nil, err
		}
		out = append(out, max(0, c.at.Sub(t0)))
	}
	return out, nil
}

func latResult(name string, v float64, base string, bv float64, target string, met bool) Result {
	ratio := 0.0
	if bv > 0 {
		ratio = v / bv
	}
	return Result{Name: name, Value: v, Unit: "ms", Baseline: base, BaselineValue: bv, Ratio: ratio, Target: target, Met: met}
}

// pct returns the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

// block sends a transaction with a few Transfers and mines it; it returns the block's number and
// the moment Mine returned.
func (r *liveRig) block(ctx context.Context) (uint64, time.Time, error) {
	r.opts.Nonce = new(big.Int).SetUint64(r.nonce)
	if _, err := r.token.MintBatch(r.opts, r.to, r.amounts); err != nil {
		return 0, time.Time{}, fmt.Errorf("sending mintBatch: %w", err)
	}
	r.nonce++
	hashes, err := r.chain.Mine(ctx, 1)
	t0 := time.Now()
	if err != nil {
		return 0, t0, err
	}
	h, err := r.chain.Client().HeaderByHash(ctx, hashes[0])
	if err != nil {
		return 0, t0, err
	}
	return h.Number.Uint64(), t0, nil
}

// await returns the first commit that satisfies ok, discarding the others.
func (r *liveRig) await(ctx context.Context, ok func(commitAt) bool) (commitAt, error) {
	t := time.NewTimer(liveTimeout)
	defer t.Stop()
	for {
		select {
		case c := <-r.commits:
			if ok(c) {
				return c, nil
			}
		case <-t.C:
			return commitAt{}, errors.New("the indexer committed nothing expected within " + liveTimeout.String())
		case <-ctx.Done():
			return commitAt{}, ctx.Err()
		}
	}
}

// subscribe starts the bare newHeads subscriber, the floor of the live latency.
func (r *liveRig) subscribe(ctx context.Context) error {
	ec, err := ethclient.DialContext(ctx, r.chain.WSURL())
	if err != nil {
		return err
	}
	ch := make(chan *types.Header, 1024)
	sub, err := ec.SubscribeNewHead(ctx, ch)
	if err != nil {
		ec.Close()
		return err
	}
	go func() {
		defer ec.Close()
		defer sub.Unsubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case <-sub.Err():
				return
			case h := <-ch:
				now := time.Now()
				r.mu.Lock()
				r.heads[h.Number.Uint64()] = now
				r.mu.Unlock()
			}
		}
	}()
	return nil
}
