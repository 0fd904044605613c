package contracts_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// syntheticAddrs returns n distinct addresses that no one holds keys for (fine for beneficiaries that
// only receive allocations, and for Transfer recipients).
func syntheticAddrs(seed byte, n int) []common.Address {
	out := make([]common.Address, n)
	for i := range out {
		out[i] = common.BigToAddress(new(big.Int).SetUint64(uint64(seed)<<32 | uint64(i+1)))
	}
	return out
}

// Batch sizes that fit the per-transaction gas cap on the simulated chain, whose newest fork prices state
// growth (a new storage slot costs about 100,000 gas): registering a beneficiary creates one slot, an
// allocation only rewrites it. On chains without that pricing, registration costs about 25,000 gas.
const (
	addBatch      = 125 // about 114,000 gas each
	allocateBatch = 500 // about 17,000 gas each
)

// TestThousandBeneficiaries checks the sizes the workload relies on: 1,000 beneficiaries are registered in
// 8 transactions and allocated in 2, each under the per-transaction gas cap.
func TestThousandBeneficiaries(t *testing.T) {
	t.Parallel()
	w := setup(t, 0)
	w.fund(1_000_000)
	all := syntheticAddrs(1, 1_000)
	batches := func(size int, what string, fn func(part []common.Address) func(*opts) (*txn, error)) {
		for i := 0; i < len(all); i += size {
			part := all[i:min(i+size, len(all))]
			rcpt := w.send(w.projectAdmin, what, fn(part))
			if len(rcpt.Logs) != len(part) || rcpt.GasUsed > maxTxGas {
				t.Fatalf("%s(%d): %d logs, %d gas (cap %d)", what, len(part), len(rcpt.Logs), rcpt.GasUsed, maxTxGas)
			}
			if i == 0 {
				t.Logf("%s(%d): %d gas, %d each", what, len(part), rcpt.GasUsed, rcpt.GasUsed/uint64(len(part)))
			}
		}
	}
	batches(addBatch, "addBeneficiaries", func(part []common.Address) func(*opts) (*txn, error) {
		return func(o *opts) (*txn, error) { return w.project.AddBeneficiaries(o, part) }
	})
	batches(allocateBatch, "allocateTokensBatch", func(part []common.Address) func(*opts) (*txn, error) {
		amts := make([]*big.Int, len(part))
		for j := range amts {
			amts[j] = bn(1_000)
		}
		return func(o *opts) (*txn, error) {
			return w.project.AllocateTokensBatch(o, part, amts)
		}
	})
	n, err := w.project.BeneficiaryCount(w.call())
	wantUint(t, "beneficiaryCount", n, err, 1_000)
	w.wantBudget(1_000_000, 1_000_000)
}

// TestMintBatchRepeatVolume checks the load-test path: once recipients hold tokens (their balance slots
// exist), one mintBatchRepeat over 100 recipients and 35 rounds emits 3,500 Transfer events under the
// per-transaction gas cap, about 3,600 gas each.
func TestMintBatchRepeatVolume(t *testing.T) {
	t.Parallel()
	w := setup(t, 0)
	w.send(w.deployer, "addTokenOwner", func(o *opts) (*txn, error) {
		return w.treasury.AddTokenOwner(o, w.tokenAddr, w.outsider.addr)
	})
	to := syntheticAddrs(2, 100)
	const rounds = 35
	rcpt := w.send(w.outsider, "mintBatchRepeat (fresh recipients)", func(o *opts) (*txn, error) {
		return w.token.MintBatchRepeat(o, to, bn(1), bn(1))
	})
	t.Logf("mintBatchRepeat, %d fresh recipients: %d gas, %d per Transfer", len(to), rcpt.GasUsed, rcpt.GasUsed/uint64(len(rcpt.Logs)))
	rcpt = w.send(w.outsider, "mintBatchRepeat", func(o *opts) (*txn, error) {
		return w.token.MintBatchRepeat(o, to, bn(1), bn(rounds))
	})
	if got := len(rcpt.Logs); got != len(to)*rounds || rcpt.GasUsed > maxTxGas {
		t.Fatalf("%d Transfer logs, %d gas (cap %d)", got, rcpt.GasUsed, maxTxGas)
	}
	t.Logf("mintBatchRepeat, %d warm recipients x %d rounds: %d gas, %d per Transfer", len(to), rounds, rcpt.GasUsed, rcpt.GasUsed/uint64(len(rcpt.Logs)))
	supply, err := w.token.TotalSupply(w.call())
	wantUint(t, "totalSupply", supply, err, int64(len(to)*(rounds+1)))
}
