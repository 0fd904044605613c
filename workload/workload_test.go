package workload

import (
	"bytes"
	"context"
	"maps"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
)

// TestSmallProfile plays the small profile to completion and checks, over eth_getLogs, that every event
// of every contract was emitted, that the counts equal the summary's, and that the workload's model of
// the contracts' state matches the chain.
func TestSmallProfile(t *testing.T) {
	t.Parallel()
	b := newBench(t, devchain.Config{})
	ctx := testCtx(t, 3*time.Minute)
	cfg, err := Profile("small", 7)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d, w, sum := b.play(t, ctx, cfg)
	t.Logf("small profile: %d txs, %d events, blocks %d-%d, %s (deploy included)",
		sum.Transactions, sum.Total(), sum.FirstBlock, sum.LastBlock, time.Since(start).Round(time.Millisecond))

	got := b.countEvents(t, ctx, d, sum)
	all, err := AllEvents()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		if got[k] == 0 {
			t.Errorf("no %s log", k)
		}
	}
	if len(all) != len(got) {
		t.Errorf("%d kinds of events on chain, the contracts declare %d", len(got), len(all))
	}
	// The variants that matter to consumers: a vendor revoked, an allocation returned by a removal.
	for _, v := range []struct {
		event string
		data  []byte
	}{
		{"ClaimerUpdated", make([]byte, 32)},  // approved = false
		{"TokensAllocated", make([]byte, 32)}, // amount = 0
	} {
		q := ethereum.FilterQuery{Addresses: sum.Projects, Topics: [][]common.Hash{{mustTopic(t, contracts.RahatProject, v.event)}}}
		if !slices.ContainsFunc(b.logs(t, ctx, q, d.StartBlock, sum.LastBlock), func(l types.Log) bool { return bytes.Equal(l.Data, v.data) }) {
			t.Errorf("no %s log with data %x", v.event, v.data)
		}
	}
	if sum.Beneficiaries != cfg.Projects*(cfg.BeneficiariesPerProject+cfg.WalkIns) || sum.Removed != cfg.Projects*cfg.Removals {
		t.Errorf("summary counts %d beneficiaries and %d removals", sum.Beneficiaries, sum.Removed)
	}
	b.checkModel(t, ctx, w)
}

// TestContinuous plays continuous rounds (upkeep included: new beneficiaries, top-ups, vendor changes)
// and checks that none failed and that the model still matches the chain.
func TestContinuous(t *testing.T) {
	t.Parallel()
	b := newBench(t, devchain.Config{})
	ctx := testCtx(t, 3*time.Minute)
	cfg, err := Profile("small", 11)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Continuous, cfg.Rounds, cfg.RoundInterval, cfg.Rate = true, vendorEvery+1, time.Millisecond, 15_000
	d, w, sum := b.play(t, ctx, cfg)
	if sum.Failed != 0 {
		t.Errorf("%d transactions failed", sum.Failed)
	}
	if initial := cfg.Projects * (cfg.BeneficiariesPerProject + cfg.WalkIns); sum.Beneficiaries <= initial {
		t.Errorf("no beneficiaries enrolled by the rounds (%d registered)", sum.Beneficiaries)
	}
	b.countEvents(t, ctx, d, sum)
	b.checkModel(t, ctx, w)
	t.Logf("%d rounds: %d txs, %d events", w.rounds, sum.Transactions, sum.Total())
}

// TestDeterminism runs the small profile twice on fresh chains and compares every log's address, topics
// and data, and the deployments.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	cfg, err := Profile("small", 42)
	if err != nil {
		t.Fatal(err)
	}
	type run struct {
		d    *Deployment
		logs []types.Log
	}
	runs := make([]run, 2)
	for i := range runs {
		b := newBench(t, devchain.Config{})
		ctx := testCtx(t, 3*time.Minute)
		d, _, sum := b.play(t, ctx, cfg)
		runs[i] = run{d: d, logs: b.logs(t, ctx, ethereum.FilterQuery{}, d.StartBlock, sum.LastBlock)}
	}
	a, c := runs[0], runs[1]
	deployer := crypto.PubkeyToAddress(devchain.DevKeys(1)[0].PublicKey)
	if a.d.Treasury != crypto.CreateAddress(deployer, 0) || a.d.ProjectFactory != crypto.CreateAddress(deployer, 1) {
		t.Errorf("deployment %+v is not at the deployer's first two nonces", a.d)
	}
	if a.d.Treasury != c.d.Treasury || a.d.ProjectFactory != c.d.ProjectFactory {
		t.Errorf("deployments differ: %+v and %+v", a.d, c.d)
	}
	if len(a.logs) != len(c.logs) {
		t.Fatalf("%d logs, then %d", len(a.logs), len(c.logs))
	}
	for i := range a.logs {
		x, y := a.logs[i], c.logs[i]
		if x.Address != y.Address || !slices.Equal(x.Topics, y.Topics) || !slices.Equal(x.Data, y.Data) {
			t.Fatalf("log %d differs:\n%+v\n%+v", i, x, y)
		}
	}
	t.Logf("%d identical logs", len(a.logs))
}

// TestBulk checks that Bulk emits exactly n Transfer logs, on the large path (mintBatchRepeat with a
// tail) and the small one.
func TestBulk(t *testing.T) {
	t.Parallel()
	b := newBench(t, devchain.Config{})
	ctx := testCtx(t, 3*time.Minute)
	d := b.deploy(t, ctx)
	w, err := New(ctx, b.client, d, b.chain.Keys()[0], Config{Seed: 3}, b.opts)
	if err != nil {
		t.Fatal(err)
	}
	transfer := mustTopic(t, contracts.RahatToken, "Transfer")
	for _, n := range []int{30_017, 57} {
		res, err := w.Bulk(ctx, n)
		if err != nil {
			t.Fatalf("Bulk(%d): %v", n, err)
		}
		logs := b.logs(t, ctx, ethereum.FilterQuery{Addresses: []common.Address{res.Token}, Topics: [][]common.Hash{{transfer}}},
			res.FromBlock, res.ToBlock)
		if len(logs) != n {
			t.Errorf("Bulk(%d): %d Transfer logs in blocks %d-%d", n, len(logs), res.FromBlock, res.ToBlock)
		}
		t.Logf("Bulk(%d): %d txs, blocks %d-%d, %s, %.0f events/s", n, res.Transactions, res.FromBlock, res.ToBlock,
			res.Elapsed.Round(time.Millisecond), res.Rate())
	}
	if got := w.Summary().Events[tokenEv("Transfer")]; got != 30_017+57 {
		t.Errorf("summary counts %d transfers", got)
	}
}

// BenchmarkBulk emits 1,000,000 Transfer events per iteration and reports the rate.
func BenchmarkBulk(b *testing.B) {
	const n = 1_000_000
	bn := newBench(b, devchain.Config{})
	ctx := testCtx(b, 30*time.Minute)
	d := bn.deploy(b, ctx)
	w, err := New(ctx, bn.client, d, bn.chain.Keys()[0], Config{Seed: 3}, bn.opts)
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		res, err := w.Bulk(ctx, n)
		if err != nil {
			b.Fatal(err)
		}
		total += res.Elapsed
		b.Logf("Bulk(%d): %d txs, %d blocks, %s, %.0f events/s", n, res.Transactions, res.ToBlock-res.FromBlock+1,
			res.Elapsed.Round(time.Millisecond), res.Rate())
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "events/s")
}

func mustTopic(t testing.TB, contract, event string) common.Hash {
	t.Helper()
	a, err := contracts.ABI(contract)
	if err != nil {
		t.Fatal(err)
	}
	return a.Events[event].ID
}

// countEvents reads the deployment's logs, names each by its emitter's contract and topic0, checks the
// counts against the summary and returns them.
func (b *bench) countEvents(t *testing.T, ctx context.Context, d *Deployment, sum Summary) map[EventKey]int {
	t.Helper()
	kinds := map[common.Address]string{d.Treasury: contracts.RahatTreasury, d.ProjectFactory: contracts.RahatProjectFactory}
	for _, a := range sum.Tokens {
		kinds[a] = contracts.RahatToken
	}
	for _, a := range sum.Projects {
		kinds[a] = contracts.RahatProject
	}
	got := map[EventKey]int{}
	for _, l := range b.logs(t, ctx, ethereum.FilterQuery{}, d.StartBlock, sum.LastBlock) {
		name, ok := kinds[l.Address]
		if !ok {
			t.Fatalf("log from unknown address %s", l.Address)
		}
		a, err := contracts.ABI(name)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := a.EventByID(l.Topics[0])
		if err != nil {
			t.Fatalf("log of %s with unknown topic0 %s", name, l.Topics[0])
		}
		got[EventKey{Contract: name, Event: ev.Name}]++
	}
	if !maps.Equal(got, sum.Events) {
		for _, k := range slices.Concat(sum.Keys(), Summary{Events: got}.Keys()) {
			if got[k] != sum.Events[k] {
				t.Errorf("%s: %d logs on chain, summary says %d", k, got[k], sum.Events[k])
			}
		}
	}
	return got
}

// checkModel compares the workload's model of every project with the contracts' state.
func (b *bench) checkModel(t *testing.T, ctx context.Context, w *Workload) {
	t.Helper()
	want := func(what string, got *big.Int, whole uint64) {
		t.Helper()
		if got.Cmp(w.units(whole)) != 0 {
			t.Errorf("%s: chain %s, model %s", what, got, w.units(whole))
		}
	}
	for _, p := range w.projects {
		want("tokenBudget", b.call(t, ctx, contracts.RahatProject, p.addr, "tokenBudget"), p.budget)
		want("totalAllocated", b.call(t, ctx, contracts.RahatProject, p.addr, "totalAllocated"), p.allocated)
		if n := b.call(t, ctx, contracts.RahatProject, p.addr, "beneficiaryCount"); n.Uint64() != uint64(len(p.bens)) {
			t.Errorf("project %d: %s beneficiaries, model %d", p.index, n, len(p.bens))
		}
		for _, ben := range p.bens {
			want("allocation of "+ben.who.name, b.call(t, ctx, contracts.RahatProject, p.addr, "allocation", ben.who.addr), ben.alloc)
		}
		for _, v := range p.vendors {
			want("tokens of "+v.who.name, b.call(t, ctx, contracts.RahatToken, p.token.addr, "balanceOf", v.who.addr), v.tokens)
			if got := b.call(t, ctx, contracts.RahatProject, p.addr, "isVendor", v.who.addr).Sign() != 0; got != v.approved {
				t.Errorf("isVendor(%s) = %t, model %t", v.who.name, got, v.approved)
			}
		}
	}
}
