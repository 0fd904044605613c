package txmgr

import (
	"crypto/ecdsa"
	"fmt"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/rahataid/rahat/devchain"
)

// A reorg takes the block of a mined, not yet final transaction off the chain. Dropped (the
// network lost it), the manager re-sends the same bytes and the transaction becomes final on the
// new branch; re-included, the manager follows it to its new block.
func TestReorg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reinclude bool
	}{
		{"dropped", false},
		{"reincluded", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, devchain.Config{}) // blocks only when the test mines them
			key := b.keys[1]
			cfg := b.config(t, key)
			cfg.Confirmations = 3
			m := newManager(t, cfg)
			start(t, m)
			ctx := t.Context()

			id := enqueue(t, m, transfer(key, 42, "reorg"))[0]
			inPool(t, b, key, 1)
			mineBlocks(t, b, 1)
			before := wait(t, m, id, StateMined)

			res, err := b.chain.Reorg(ctx, 1, 2, devchain.ReorgOptions{Reinclude: tc.reinclude})
			if err != nil {
				t.Fatalf("reorg: %v", err)
			}
			if dropped := slices.Contains(res.Dropped, *before.Hash); dropped == tc.reinclude {
				t.Fatalf("reorg dropped %v, transaction %s", res.Dropped, before.Hash)
			}

			var after Tx
			if tc.reinclude {
				// The same transaction in the new branch's first block.
				eventually(t, "the manager to follow the transaction to its new block", func() (bool, error) {
					var err error
					after, err = m.Get(ctx, id)
					return after.BlockHash != nil && *after.BlockHash != *before.BlockHash, err
				})
			} else {
				wait(t, m, id, StateSent)
				inPool(t, b, key, 1) // re-sent by the manager
				mineBlocks(t, b, 1)
				after = wait(t, m, id, StateMined)
			}
			mineBlocks(t, b, int(cfg.Confirmations))
			final := wait(t, m, id, StateFinal)
			if *final.Hash != *before.Hash || *final.BlockHash == *before.BlockHash || *final.BlockHash != *after.BlockHash {
				t.Fatalf("before the reorg %+v, final %+v", before, final)
			}
			if got := counter(t, m.met.reorged); got != boolf(!tc.reinclude) {
				t.Fatalf("reorged counted %v", got)
			}
			if n, err := b.client.NonceAt(ctx, addr(key), nil); err != nil || n != 1 {
				t.Fatalf("chain nonce %d, err %v", n, err)
			}
		})
	}
}

// inPool waits until the node's pending nonce of key reaches n: the manager's transactions are in
// its pool, so a block sealed now includes them.
func inPool(t *testing.T, b *bundle, key *ecdsa.PrivateKey, n uint64) {
	t.Helper()
	eventually(t, fmt.Sprintf("pending nonce %d", n), func() (bool, error) {
		got, err := b.client.PendingNonceAt(t.Context(), addr(key))
		return got >= n, err
	})
}

// mineBlocks seals n blocks.
func mineBlocks(t *testing.T, b *bundle, n int) []common.Hash {
	t.Helper()
	hashes, err := b.chain.Mine(t.Context(), n)
	if err != nil {
		t.Fatalf("mining: %v", err)
	}
	return hashes
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
