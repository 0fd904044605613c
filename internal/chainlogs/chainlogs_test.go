package chainlogs_test

import (
	"context"
	"log/slog"
	"math/big"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/internal/chainlogs"
	"github.com/rahataid/rahat/internal/evmtest"
)

// fixture is a dev chain holding two Ping contracts' logs in blocks of different weights.
type fixture struct {
	chain *devchain.Chain
	ec    *ethclient.Client
	a, b  common.Address
	head  uint64
}

// startChain starts a dev chain that seals blocks on demand and closes it when the test ends.
func startChain(t *testing.T, ctx context.Context) *devchain.Chain {
	t.Helper()
	c, err := devchain.Start(ctx, devchain.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("starting chain: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing chain: %v", err)
		}
	})
	return c
}

func setup(t *testing.T, ctx context.Context) *fixture {
	t.Helper()
	c := startChain(t, ctx)
	f := &fixture{chain: c, ec: c.Client()}
	key := c.Keys()[0]
	var nonce uint64
	send := func(to *common.Address, data []byte) *types.Transaction {
		t.Helper()
		tx, err := types.SignNewTx(key, types.LatestSignerForChainID(c.ChainID()), &types.DynamicFeeTx{
			ChainID: c.ChainID(), Nonce: nonce, GasTipCap: big.NewInt(params.GWei), GasFeeCap: big.NewInt(100 * params.GWei),
			Gas: 2_000_000, To: to, Data: data,
		})
		if err != nil {
			t.Fatalf("signing tx: %v", err)
		}
		if err := f.ec.SendTransaction(ctx, tx); err != nil {
			t.Fatalf("sending tx: %v", err)
		}
		nonce++
		return tx
	}
	mine := func() {
		t.Helper()
		if _, err := c.Mine(ctx, 1); err != nil {
			t.Fatalf("mining: %v", err)
		}
	}
	call := func(to common.Address, n int64) { send(&to, evmtest.PingCall(n)) }

	da, db := send(nil, evmtest.PingInitCode()), send(nil, evmtest.PingInitCode())
	mine()
	for _, tx := range []*types.Transaction{da, db} {
		r, err := f.ec.TransactionReceipt(ctx, tx.Hash())
		if err != nil || r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("deploying the ping contract: receipt %v, %v", r, err)
		}
	}
	f.a, f.b = crypto.CreateAddress(crypto.PubkeyToAddress(key.PublicKey), 0), crypto.CreateAddress(crypto.PubkeyToAddress(key.PublicKey), 1)
	call(f.a, 3)
	call(f.b, 2)
	mine()
	mine() // empty
	for range 3 {
		call(f.a, 500) // a busy block, the kind a range answer was seen to miss
	}
	call(f.b, 1)
	mine()
	call(f.b, 4)
	mine()
	f.head = c.Head().Latest.Number
	return f
}

// receiptLogs is the oracle: the logs matching q in blocks [from, to], read from the blocks'
// receipts and filtered here.
func (f *fixture) receiptLogs(t *testing.T, ctx context.Context, q ethereum.FilterQuery, from, to uint64) []types.Log {
	t.Helper()
	var out []types.Log
	for n := from; n <= to; n++ {
		rs, err := f.ec.BlockReceipts(ctx, rpc.BlockNumberOrHashWithNumber(rpc.BlockNumber(n)))
		if err != nil {
			t.Fatalf("receipts of block %d: %v", n, err)
		}
		for _, r := range rs {
			for _, l := range r.Logs {
				if matches(l, q) {
					out = append(out, *l)
				}
			}
		}
	}
	return out
}

func matches(l *types.Log, q ethereum.FilterQuery) bool {
	if len(q.Addresses) > 0 && !slices.Contains(q.Addresses, l.Address) {
		return false
	}
	for i, alts := range q.Topics {
		if len(alts) > 0 && (i >= len(l.Topics) || !slices.Contains(alts, l.Topics[i])) {
			return false
		}
	}
	return true
}

// byHashOnly passes calls to a real client, fails any eth_getLogs by range and counts the rest.
type byHashOnly struct {
	*ethclient.Client
	calls atomic.Int64
}

func (c *byHashOnly) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if q.BlockHash == nil || q.FromBlock != nil || q.ToBlock != nil {
		return nil, ethereum.NotFound
	}
	c.calls.Add(1)
	return c.Client.FilterLogs(ctx, q)
}

func TestByBlocks(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel) // the subtests run in parallel, after this function returns
	f := setup(t, ctx)
	num := func(n uint64) *big.Int { return new(big.Int).SetUint64(n) }
	nowhere := common.HexToAddress("0x00000000000000000000000000000000000000ee")
	tests := []struct {
		name     string
		q        ethereum.FilterQuery
		from, to uint64 // the range the oracle reads
		want     int    // matching logs
	}{
		{"everything", ethereum.FilterQuery{}, 0, f.head, 3 + 2 + 1500 + 1 + 4},
		{"to the head", ethereum.FilterQuery{FromBlock: num(2)}, 2, f.head, 3 + 2 + 1500 + 1 + 4},
		{"one address", ethereum.FilterQuery{FromBlock: num(0), ToBlock: num(f.head), Addresses: []common.Address{f.b}}, 0, f.head, 2 + 1 + 4},
		{"topic position", ethereum.FilterQuery{FromBlock: num(1), ToBlock: num(f.head), Topics: [][]common.Hash{nil, nil, {evmtest.PingNumber(1)}}}, 1, f.head, 1 + 1 + 3 + 1},
		{"busy block alone", ethereum.FilterQuery{FromBlock: num(4), ToBlock: num(4), Addresses: []common.Address{f.a}}, 4, 4, 1500},
		{"no match", ethereum.FilterQuery{FromBlock: num(0), ToBlock: num(f.head), Addresses: []common.Address{nowhere}}, 0, f.head, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &byHashOnly{Client: f.ec}
			got, err := chainlogs.ByBlocks(ctx, c, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			want := f.receiptLogs(t, ctx, tc.q, tc.from, tc.to)
			if len(got) != tc.want || len(want) != tc.want {
				t.Fatalf("%d logs, the receipts hold %d, want %d", len(got), len(want), tc.want)
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.BlockHash != w.BlockHash || g.Index != w.Index || g.TxHash != w.TxHash || g.Address != w.Address || !slices.Equal(g.Topics, w.Topics) {
					t.Fatalf("log %d is block %d index %d, want block %d index %d", i, g.BlockNumber, g.Index, w.BlockNumber, w.Index)
				}
			}
			if tc.want == 0 {
				// A block with an all-zero bloom (no logs at all) must be asked; every other
				// block's bloom rules the unknown address out.
				var zero int64
				for n := tc.from; n <= tc.to; n++ {
					h, err := f.ec.HeaderByNumber(ctx, num(n))
					if err != nil {
						t.Fatal(err)
					}
					if h.Bloom == (types.Bloom{}) {
						zero++
					}
				}
				if c.calls.Load() != zero {
					t.Errorf("%d eth_getLogs calls for an address no block holds, want %d (the blocks without logs)", c.calls.Load(), zero)
				}
			}
		})
	}
}

func TestByBlocksErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel) // the subtests run in parallel, after this function returns
	c := startChain(t, ctx)
	if _, err := c.Mine(ctx, 3); err != nil {
		t.Fatalf("mining: %v", err)
	}
	head := c.Head().Latest
	tests := []struct {
		name string
		q    ethereum.FilterQuery
	}{
		{"beyond the head", ethereum.FilterQuery{FromBlock: big.NewInt(0), ToBlock: new(big.Int).SetUint64(head.Number + 1)}},
		{"empty range", ethereum.FilterQuery{FromBlock: big.NewInt(3), ToBlock: big.NewInt(2)}},
		{"block tag", ethereum.FilterQuery{FromBlock: big.NewInt(0), ToBlock: big.NewInt(int64(rpc.LatestBlockNumber))}},
		{"hash and range", ethereum.FilterQuery{BlockHash: &head.Hash, FromBlock: big.NewInt(0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if logs, err := chainlogs.ByBlocks(ctx, c.Client(), tc.q); err == nil {
				t.Errorf("%d logs, want an error", len(logs))
			}
		})
	}
}
