package api_test

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"testing"
	"time"
)

func TestDistributionHappyPath(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	bens := w.registerBens(w.proj.Project, 5)
	as := allocs(bens, 1000)
	d := w.distribute(as)
	if d.State != "pending" || d.Beneficiaries != 5 || d.AddedOnChain != 5 || len(d.Transactions) != 2 {
		t.Fatalf("accepted: %+v", d)
	}
	got := w.waitDistribution(d.ID, time.Minute)
	if got.State != "final" {
		t.Fatalf("distribution: %+v", got)
	}
	for i, b := range bens {
		if a := w.allocation(w.proj.Project, b.addr); a.Cmp(big.NewInt(1000+int64(i))) != 0 {
			t.Errorf("allocation of %d = %s", i, a)
		}
	}

	// With the indexer stopped, the head moves past its checkpoint: the API reads who is
	// registered and the current allocations on chain instead. Three beneficiaries are on chain
	// (one lowered, two raised), two are new.
	w.stopIx()
	head := w.chain.Head().Latest.Number
	eventually(t, time.Minute, "a new block", func() bool { return w.chain.Head().Latest.Number > head })
	more := w.registerBens(w.proj.Project, 2)
	as = []allocation{{bens[0].addr.Hex(), "10"}, {bens[1].addr.Hex(), "5000"}, {bens[2].addr.Hex(), "5000"},
		{more[0].addr.Hex(), "7"}, {more[1].addr.Hex(), "8"}}
	d = w.distribute(as)
	if d.AddedOnChain != 2 {
		t.Fatalf("added %d, want the 2 new beneficiaries", d.AddedOnChain)
	}
	if got := w.waitDistribution(d.ID, time.Minute); got.State != "final" {
		t.Fatalf("second distribution: %+v", got)
	}
	for _, a := range as {
		want, _ := new(big.Int).SetString(a.Amount, 10)
		if got := w.allocation(w.proj.Project, common.HexToAddress(a.Beneficiary)); got.Cmp(want) != 0 {
			t.Errorf("allocation of %s = %s, want %s", a.Beneficiary, got, want)
		}
	}
}

// TestLargeDistribution accepts the largest batch, 10,000 new beneficiaries, and checks it is
// split into as few transactions as the contract and the gas cap allow, and completes.
func TestLargeDistribution(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{budget: big.NewInt(1e12)})
	bens := w.seedBens(w.proj.Project, 10_000)
	from, err := w.client.BlockNumber(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	as := allocs(bens, 1)
	start := time.Now()
	d := w.distribute(as)
	t.Logf("10,000 allocations accepted in %s", time.Since(start))
	adds, allocations := 0, 0
	for _, tx := range d.Transactions {
		switch tx.Kind {
		case "add_beneficiaries":
			adds++
		case "allocate":
			allocations++
		}
	}
	if adds != 70 || allocations != 20 || d.AddedOnChain != 10_000 {
		t.Fatalf("%d addBeneficiaries and %d allocateTokensBatch transactions, %d added", adds, allocations, d.AddedOnChain)
	}
	got := w.waitDistribution(d.ID, 5*time.Minute)
	t.Logf("final in %s", time.Since(start))
	if got.State != "final" {
		t.Fatalf("distribution: %+v", got)
	}
	w.checkAllocatedOnce(t, from, as)
}
