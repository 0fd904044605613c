package devchain

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/internal/evmtest"
)

// history is a chain where every block after the ping deployment holds one Ping transaction
// emitting two logs.
type history struct {
	c      *Chain
	rc     *rpc.Client
	ec     *ethclient.Client
	ping   common.Address
	txs    map[uint64]*types.Transaction // ping tx by block number
	hashes []common.Hash                 // canonical hash by block number before the reorg
}

// newHistory builds a history whose head is at block blocks.
func newHistory(t *testing.T, ctx context.Context, cfg Config, blocks int) *history {
	t.Helper()
	c := startChain(t, cfg)
	rc, ec := dial(t, c.HTTPURL())
	h := &history{c: c, rc: rc, ec: ec, txs: map[uint64]*types.Transaction{}}
	h.ping = deployPing(t, ctx, c, rc, ec)
	for n := uint64(2); n <= uint64(blocks); n++ {
		h.txs[n] = send(t, ctx, ec, c.Keys()[1], &h.ping, evmtest.PingCall(2), 100_000)
		devMine(t, ctx, rc, 1)
	}
	for n := range uint64(blocks) + 1 {
		h.hashes = append(h.hashes, headerAt(t, ctx, ec, n).Hash())
	}
	return h
}

// checkBranch verifies that blocks up to the ancestor are untouched, that every later block
// changed, and that parent hashes link the new head down to genesis.
func (h *history) checkBranch(t *testing.T, ctx context.Context, res ReorgResult) {
	t.Helper()
	for n := uint64(0); n <= res.NewHead.Number; n++ {
		got := headerAt(t, ctx, h.ec, n)
		switch {
		case n <= res.Ancestor.Number && got.Hash() != h.hashes[n]:
			t.Fatalf("block %d below the fork changed", n)
		case n > res.Ancestor.Number && n < uint64(len(h.hashes)) && got.Hash() == h.hashes[n]:
			t.Fatalf("block %d above the fork kept its hash", n)
		case n > 0 && got.ParentHash != headerAt(t, ctx, h.ec, n-1).Hash():
			t.Fatalf("block %d does not link to its parent", n)
		}
	}
	if headerAt(t, ctx, h.ec, res.NewHead.Number).Hash() != res.NewHead.Hash {
		t.Fatal("new head is not canonical")
	}
}

// pingLogs returns every Ping log on the canonical chain.
func (h *history) pingLogs(t *testing.T, ctx context.Context) []types.Log {
	t.Helper()
	logs, err := h.ec.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: big.NewInt(0), Addresses: []common.Address{h.ping}})
	if err != nil {
		t.Fatal(err)
	}
	return logs
}

func TestReorgOverRPC(t *testing.T) {
	t.Parallel()
	// 130 is past FinalityDepth (64) and past the 128 blocks of state kept for building on the
	// side, so it also covers the rewind fallback.
	for _, depth := range []int{1, 5, 64, 130} {
		t.Run(fmt.Sprintf("depth %d", depth), func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			h := newHistory(t, ctx, Config{}, depth+4)
			oldHead := uint64(depth + 4)
			finalBefore := tagHeader(t, ctx, h.ec, rpc.FinalizedBlockNumber)

			_, ws := dial(t, h.c.WSURL())
			heads := make(chan *types.Header, 256)
			headSub, err := ws.SubscribeNewHead(ctx, heads)
			if err != nil {
				t.Fatal(err)
			}
			defer headSub.Unsubscribe()
			logs := make(chan types.Log, 1024)
			logSub, err := ws.SubscribeFilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{h.ping}}, logs)
			if err != nil {
				t.Fatal(err)
			}
			defer logSub.Unsubscribe()

			var res ReorgResult
			if err := h.rc.CallContext(ctx, &res, "dev_reorg", depth, depth+1); err != nil {
				t.Fatal(err)
			}
			ancestor := oldHead - uint64(depth)
			if res.Depth != depth || res.Ancestor.Number != ancestor || res.OldHead.Number != oldHead ||
				res.NewHead.Number != oldHead+1 || res.OldHead.Hash != h.hashes[oldHead] || res.Ancestor.Hash != h.hashes[ancestor] {
				t.Fatalf("dev_reorg result %+v", res)
			}
			h.checkBranch(t, ctx, res)

			// The dropped transactions: their receipts and logs are gone.
			var wantDropped []common.Hash
			for n := ancestor + 1; n <= oldHead; n++ {
				wantDropped = append(wantDropped, h.txs[n].Hash())
			}
			if !slices.Equal(res.Dropped, wantDropped) {
				t.Fatalf("dropped %v, want %v", res.Dropped, wantDropped)
			}
			for _, hash := range wantDropped {
				if _, err := answeredReceipt(ctx, h.ec, hash); !isNotFound(err) {
					t.Fatalf("receipt of dropped tx %s: %v", hash, err)
				}
			}
			got := h.pingLogs(t, ctx)
			if want := 2 * int(ancestor-1); len(got) != want {
				t.Fatalf("eth_getLogs after reorg: %d logs, want %d", len(got), want)
			}
			for _, l := range got {
				if l.BlockNumber > ancestor || slices.Contains(wantDropped, l.TxHash) {
					t.Fatalf("log of a dropped block survived: %+v", l)
				}
			}

			// Subscribers see the new branch and the removal of the old logs.
			for seen := false; !seen; {
				select {
				case hd := <-heads:
					seen = hd.Hash() == res.NewHead.Hash
				case err := <-headSub.Err():
					t.Fatal(err)
				case <-ctx.Done():
					t.Fatal("newHeads never delivered the new head")
				}
			}
			removed := map[common.Hash]int{}
			for n := 0; n < 2*depth; {
				select {
				case l := <-logs:
					if !l.Removed {
						t.Fatalf("unexpected new log %+v", l)
					}
					removed[l.TxHash]++
					n++
				case err := <-logSub.Err():
					t.Fatal(err)
				case <-ctx.Done():
					t.Fatalf("logs subscription delivered %d removed logs, want %d", n, 2*depth)
				}
			}
			for _, hash := range wantDropped {
				if removed[hash] != 2 {
					t.Fatalf("removed logs of %s: %d, want 2", hash, removed[hash])
				}
			}

			// Finality held if the reorg was within FinalityDepth, and the dropped txs do not
			// come back.
			replacedFinal := headerAt(t, ctx, h.ec, finalBefore.Number.Uint64()).Hash() != finalBefore.Hash()
			if replacedFinal != (depth > DefaultFinalityDepth) {
				t.Fatalf("finalized block replaced: %v, for a reorg of depth %d", replacedFinal, depth)
			}
			fin := tagHeader(t, ctx, h.ec, rpc.FinalizedBlockNumber)
			if headerAt(t, ctx, h.ec, fin.Number.Uint64()).Hash() != fin.Hash() {
				t.Fatal("finalized block is not canonical after the reorg")
			}
			devMine(t, ctx, h.rc, 1)
			for _, hash := range wantDropped {
				if _, err := answeredReceipt(ctx, h.ec, hash); !isNotFound(err) {
					t.Fatalf("dropped tx %s was mined again: %v", hash, err)
				}
			}
		})
	}
}

func TestReorgReinclude(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h := newHistory(t, ctx, Config{}, 8)
	var res ReorgResult
	if err := h.rc.CallContext(ctx, &res, "dev_reorg", 3, 5, ReorgArgs{Reinclude: true}); err != nil {
		t.Fatal(err)
	}
	h.checkBranch(t, ctx, res)
	if len(res.Dropped) != 0 {
		t.Fatalf("dropped %v with reinclude", res.Dropped)
	}
	for n := uint64(6); n <= 8; n++ {
		r := receipt(t, ctx, h.ec, h.txs[n])
		if r.BlockNumber.Uint64() != n || r.BlockHash == h.hashes[n] {
			t.Fatalf("reincluded tx of block %d now in #%d %s", n, r.BlockNumber, r.BlockHash)
		}
	}
	if got := h.pingLogs(t, ctx); len(got) != 2*7 {
		t.Fatalf("%d logs after reinclusion, want 14", len(got))
	}
}

func TestReorgReplacesTransaction(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h := newHistory(t, ctx, Config{}, 6)
	// A conflicting transaction: same sender and nonce as the first dropped one (block 5).
	key := h.c.Keys()[1]
	replacement := signTx(t, key, h.txs[5].Nonce(), &h.ping, evmtest.PingCall(5), 200_000)
	raw, err := replacement.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var res ReorgResult
	if err := h.rc.CallContext(ctx, &res, "dev_reorg", 2, 3, ReorgArgs{Txs: []hexutil.Bytes{raw}}); err != nil {
		t.Fatal(err)
	}
	h.checkBranch(t, ctx, res)
	if r := receipt(t, ctx, h.ec, replacement); r.BlockHash != res.NewHead.Hash || len(r.Logs) != 5 {
		t.Fatalf("replacement in %s with %d logs, want new head with 5 logs", r.BlockHash, len(r.Logs))
	}
	if !slices.Equal(res.Dropped, []common.Hash{h.txs[5].Hash(), h.txs[6].Hash()}) {
		t.Fatalf("dropped %v", res.Dropped)
	}
}

func TestReorgBeforeHook(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h := newHistory(t, ctx, Config{}, 6)
	_, ws := dial(t, h.c.WSURL())
	heads := make(chan *types.Header, 64)
	sub, err := ws.SubscribeNewHead(ctx, heads)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	var fresh *types.Transaction
	res, err := h.c.Reorg(ctx, 2, 3, ReorgOptions{Before: func(ctx context.Context) error {
		// Ordinary client code: the pool now answers nonces as of the ancestor.
		fresh = send(t, ctx, h.ec, h.c.Keys()[1], &h.ping, evmtest.PingCall(7), 200_000)
		if fresh.Nonce() != h.txs[5].Nonce() {
			return fmt.Errorf("nonce %d in Before, want %d (as of the ancestor)", fresh.Nonce(), h.txs[5].Nonce())
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.checkBranch(t, ctx, res)
	if r := receipt(t, ctx, h.ec, fresh); r.BlockNumber.Uint64() != 5 || len(r.Logs) != 7 {
		t.Fatalf("Before's tx in #%d with %d logs, want #5 with 7", r.BlockNumber, len(r.Logs))
	}
	if len(res.Dropped) != 2 {
		t.Fatalf("dropped %v, want the two replaced ping txs", res.Dropped)
	}
	// Rewind mode is visible: newHeads delivers the ancestor, then every new block.
	var got []uint64
	for len(got) == 0 || got[len(got)-1] != res.NewHead.Number {
		select {
		case hd := <-heads:
			got = append(got, hd.Number.Uint64())
		case <-ctx.Done():
			t.Fatalf("heads %v never reached the new head", got)
		}
	}
	if !slices.Equal(got, []uint64{4, 5, 6, 7}) {
		t.Fatalf("newHeads numbers %v, want [4 5 6 7]", got)
	}
}

func TestReorgBeforeReinclude(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h := newHistory(t, ctx, Config{}, 6)
	res, err := h.c.Reorg(ctx, 2, 3, ReorgOptions{Reinclude: true, Before: func(context.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 0 {
		t.Fatalf("dropped %v with reinclude", res.Dropped)
	}
	for n := uint64(5); n <= 6; n++ {
		if r := receipt(t, ctx, h.ec, h.txs[n]); r.BlockNumber.Uint64() <= res.Ancestor.Number {
			t.Fatalf("reincluded tx below the fork: #%d", r.BlockNumber)
		}
	}
}

func TestReorgPastFinality(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{FinalityDepth: 8, SafeDepth: 4})
	rc, ec := dial(t, c.HTTPURL())
	devMine(t, ctx, rc, 20)
	oldFinal := tagHeader(t, ctx, ec, rpc.FinalizedBlockNumber)
	if oldFinal.Number.Uint64() != 12 {
		t.Fatalf("finalized #%d, want 12", oldFinal.Number)
	}
	res, err := c.Reorg(ctx, 10, 11, ReorgOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if headerAt(t, ctx, ec, 12).Hash() == oldFinal.Hash() {
		t.Fatal("a reorg past finality kept the finalized block")
	}
	fin := tagHeader(t, ctx, ec, rpc.FinalizedBlockNumber)
	safe := tagHeader(t, ctx, ec, rpc.SafeBlockNumber)
	if fin.Number.Uint64() != res.NewHead.Number-8 || fin.Hash() != headerAt(t, ctx, ec, fin.Number.Uint64()).Hash() ||
		safe.Number.Uint64() != res.NewHead.Number-4 {
		t.Fatalf("after the reorg: finalized #%d safe #%d, head #%d", fin.Number, safe.Number, res.NewHead.Number)
	}
}

func TestReorgErrors(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{})
	rc, _ := dial(t, c.HTTPURL())
	devMine(t, ctx, rc, 3)
	tests := []struct {
		depth, newBlocks int
		want             string
	}{
		{0, 1, "depth >= 1"},
		{2, 2, "newBlocks > depth"},
		{4, 5, "below head 3"},
	}
	for _, tt := range tests {
		err := rc.CallContext(ctx, nil, "dev_reorg", tt.depth, tt.newBlocks)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("dev_reorg(%d, %d) = %v, want error mentioning %q", tt.depth, tt.newBlocks, err, tt.want)
		}
	}
	if head := c.Head().Latest.Number; head != 3 {
		t.Fatalf("failed reorgs moved the head to %d", head)
	}
}

// TestConcurrentMineAndReorg hammers the chain from every side at once (timer, auto-mine, Mine,
// Reorg, dev_mine, transactions); run it with -race. The chain must stay one linked chain.
func TestConcurrentMineAndReorg(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{BlockInterval: 2 * time.Millisecond, AutoMine: true})
	rc, ec := dial(t, c.HTTPURL())
	devMine(t, ctx, rc, 5)

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 3 {
		wg.Go(func() {
			for range 15 {
				if _, err := c.Mine(ctx, 1+w%2); err != nil {
					errs <- fmt.Errorf("Mine: %w", err)
					return
				}
			}
		})
	}
	for w := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range 8 {
				depth := 1 + rng.IntN(4)
				if _, err := c.Reorg(ctx, depth, depth+1+rng.IntN(2), ReorgOptions{Reinclude: w == 1}); err != nil {
					errs <- fmt.Errorf("Reorg: %w", err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 15 {
			if err := rc.CallContext(ctx, nil, "dev_mine", 1); err != nil {
				errs <- fmt.Errorf("dev_mine: %w", err)
				return
			}
		}
	})
	wg.Go(func() {
		key := c.Keys()[4]
		to := c.Accounts()[5]
		for range 20 {
			nonce, err := ec.PendingNonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey))
			if err != nil {
				errs <- err
				return
			}
			// A reorg may race the nonce read; a rejected transaction is fine here.
			_ = ec.SendTransaction(ctx, signTx(t, key, nonce, &to, nil, 21_000))
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := c.SetBlockInterval(0); err != nil {
		t.Fatal(err)
	}
	head := c.Head().Latest
	if head.Number < 5 {
		t.Fatalf("head #%d", head.Number)
	}
	hash := head.Hash
	for n := head.Number; n > 0; n-- {
		hd, err := ec.HeaderByHash(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if hd.Number.Uint64() != n || headerAt(t, ctx, ec, n).Hash() != hash {
			t.Fatalf("block %d is not on the canonical chain", n)
		}
		hash = hd.ParentHash
	}
}
