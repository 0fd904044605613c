package indexer_test

import (
	"context"
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/internal/dbcompare"
	"github.com/rahataid/rahat/workload"
)

var massRounds = flag.Int("indexer.mass-rounds", 4, "rounds of TestMassBlocksEveryPath (each: a block adding 260 beneficiaries and allocating up to 1,000 in each of two projects)")

// massProject is one project the mass blocks play on, with the model of its beneficiaries.
type massProject struct {
	addr    common.Address
	active  []common.Address // registered
	removed []common.Address // removed and not registered again
}

// massPlay sends the operator's mass transactions on an on-demand chain, block by block.
type massPlay struct {
	d     *distChain
	rng   *rand.Rand
	nonce uint64 // the operator's next nonce
	seq   uint64 // addresses made so far
}

func newMassPlay(t testing.TB, ctx context.Context, d *distChain, seed uint64) *massPlay {
	t.Helper()
	n, err := d.client.PendingNonceAt(ctx, crypto.PubkeyToAddress(d.operator.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return &massPlay{d: d, rng: rand.New(rand.NewPCG(seed, 3)), nonce: n}
}

func (m *massPlay) opts(t testing.TB, ctx context.Context, gas uint64) *bind.TransactOpts {
	t.Helper()
	o, err := bind.NewKeyedTransactorWithChainID(m.d.operator, m.d.chain.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	o.Context, o.GasLimit, o.Nonce = ctx, gas, new(big.Int).SetUint64(m.nonce)
	m.nonce++
	return o
}

// seal waits until the pool holds the n transactions sent for the block, seals it, and checks that
// every one of them succeeded in it.
func (m *massPlay) seal(t testing.TB, ctx context.Context, sent []*types.Transaction) uint64 {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond) // the pool's state has no signal: poll it
	defer tick.Stop()
	for {
		n, err := m.d.pending(wctx)
		if err == nil && n >= len(sent) {
			break
		}
		select {
		case <-wctx.Done():
			t.Fatalf("the pool holds %d of %d transactions: %v", n, len(sent), err)
		case <-tick.C:
		}
	}
	if _, err := m.d.chain.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	head := m.d.chain.Head().Latest.Number
	for _, tx := range sent {
		rc, err := m.d.client.TransactionReceipt(ctx, tx.Hash())
		if err != nil || rc.Status != types.ReceiptStatusSuccessful || rc.BlockNumber.Uint64() != head {
			t.Fatalf("transaction %s: receipt %+v, %v (block %d)", tx.Hash(), rc, err, head)
		}
	}
	return head
}

func (m *massPlay) newAddrs(n int) []common.Address {
	out := make([]common.Address, n)
	var b [16]byte
	for i := range out {
		m.seq++
		new(big.Int).SetUint64(m.rng.Uint64()).FillBytes(b[:8])
		new(big.Int).SetUint64(m.seq).FillBytes(b[8:])
		out[i] = common.BytesToAddress(crypto.Keccak256(b[:])[12:])
	}
	return out
}

// block seals one block on p: three removals of older beneficiaries, two addBeneficiaries of
// massAdd new ones (one of them a beneficiary removed earlier), and allocateTokensBatch of all of
// them and of older ones, up to realloc allocations in all. With fresh false it only reallocates,
// up to 5 x massAlloc older beneficiaries.
func (m *massPlay) block(t testing.TB, ctx context.Context, p *massProject, fresh bool) uint64 {
	t.Helper()
	pb, err := bindings.NewRahatProject(p.addr, m.d.client)
	if err != nil {
		t.Fatal(err)
	}
	var sent []*types.Transaction
	send := func(tx *types.Transaction, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, tx)
	}
	old := slices.Clone(p.active)
	m.rng.Shuffle(len(old), func(i, j int) { old[i], old[j] = old[j], old[i] })
	var add, remove []common.Address
	allocs := 5 * massAlloc
	if fresh {
		remove, old = old[:min(3, len(old))], old[min(3, len(old)):]
		add = m.newAddrs(2 * massAdd)
		if len(p.removed) > 0 {
			add[0], p.removed = p.removed[0], p.removed[1:]
		}
		allocs = 2 * massAlloc
	}
	for _, a := range remove {
		send(pb.RemoveBeneficiary(m.opts(t, ctx, 200_000), a))
	}
	for i := 0; i < len(add); i += massAdd {
		send(pb.AddBeneficiaries(m.opts(t, ctx, massAddGas), add[i:min(i+massAdd, len(add))]))
	}
	alloc := append(slices.Clone(add), old[:min(len(old), allocs-len(add))]...)
	for i := 0; i < len(alloc); i += massAlloc {
		part := alloc[i:min(i+massAlloc, len(alloc))]
		amounts := make([]*big.Int, len(part))
		for j := range amounts {
			amounts[j] = big.NewInt(1 + m.rng.Int64N(1000))
		}
		send(pb.AllocateTokensBatch(m.opts(t, ctx, massAllocGas), part, amounts))
	}
	n := m.seal(t, ctx, sent)
	for _, a := range remove {
		i := slices.Index(p.active, a)
		p.active = slices.Delete(p.active, i, i+1)
	}
	p.removed = append(p.removed, remove...)
	p.active = append(p.active, add...)
	return n
}

// Gas of the mass transactions: 130 new beneficiaries (about 113,000 gas each) and 500
// allocations per transaction, so that two additions and two allocations fit in the dev chain's
// 60M block.
const (
	massAdd      = 130
	massAlloc    = 500
	massAddGas   = distBaseGas + massAdd*distAddGas
	massAllocGas = distBaseGas + massAlloc*distAllocateGas
)

// createProject creates a second project through the factory, funded, in a block of its own.
func createProject(t testing.TB, ctx context.Context, d *distChain, name string) common.Address {
	t.Helper()
	deployer := d.chain.Keys()[0]
	stop := d.sealWhilePending(t)
	defer stop()
	p, err := workload.DeployProject(ctx, d.client, d.chain.ChainID(), deployer, d.dep.Treasury, d.dep.ProjectFactory,
		crypto.PubkeyToAddress(d.operator.PublicKey), crypto.PubkeyToAddress(d.chain.Keys()[2].PublicKey), name, name[:3], big.NewInt(1e12))
	if err != nil {
		t.Fatal(err)
	}
	return p.Project
}

// massConfig is one way of running the indexer over the mass blocks.
type massConfig struct {
	name string
	mod  func(*indexer.Config)
}

// TestMassBlocksEveryPath plays blocks that register, allocate, reallocate, remove and re-register
// thousands of beneficiaries in two projects (the second created by the factory in the middle) and
// indexes them with the entity handler along every path the indexer has: parallel backfill ranges
// of 2 blocks (so that ranges fetched before the project's creation committed are supplemented,
// mergeRecords), one backfill range for everything, live one block per commit, live all blocks in
// one commit, a backfill-to-live handoff, and an indexer that follows the chain while it is built
// and reorganised (mass blocks replaced by a branch carrying the same transactions). Every run must
// equal the others row for row (event tables, instances and entities) and match the chain.
func TestMassBlocksEveryPath(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 5*time.Minute)
	d := startDistChain(t, ctx, devchain.Config{}, big.NewInt(1e12))
	follow := pgtestNew(t)
	ixFollow := d.entityIndexer(t, follow, func(c *indexer.Config) { c.MaxLiveBlocks = 3 })
	start(t, ixFollow)
	waitIndexedHead(t, ixFollow, d)

	m := newMassPlay(t, ctx, d, 11)
	a := &massProject{addr: d.proj.Project}
	var b *massProject
	rounds := *massRounds
	for r := range rounds {
		m.block(t, ctx, a, true)
		if r == rounds/2 {
			b = &massProject{addr: createProject(t, ctx, d, fmt.Sprintf("Second %d", r))}
		}
		if b != nil {
			m.block(t, ctx, b, true)
		}
		if r%2 == 1 {
			// Replace the newest blocks (mass ones among them) with a branch that carries the same
			// transactions: the follower rolls thousands of versions back and applies them again.
			depth := 1 + m.rng.IntN(3)
			if _, err := d.chain.Reorg(ctx, depth, depth+1, devchain.ReorgOptions{Reinclude: true}); err != nil {
				t.Fatalf("reorg: %v", err)
			}
			head := waitIndexedHead(t, ixFollow, d)
			assertEntitiesMatchChain(t, ctx, follow, d.client, head)
		}
	}
	m.block(t, ctx, a, false)
	if _, err := d.chain.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	head := waitIndexedHead(t, ixFollow, d)
	if st := ixFollow.Status(); st.Reorgs == 0 && rounds > 1 {
		t.Fatalf("the follower saw no reorg (status %+v)", st)
	}
	assertEntitiesMatchChain(t, ctx, follow, d.client, head)
	t.Logf("%d blocks; %d and %d beneficiaries registered", head, len(a.active), len(b.active))

	configs := []massConfig{
		{"backfill-ranges-of-2", func(c *indexer.Config) {
			c.Network.FinalityDepth, c.Network.MaxBlockRange, c.Network.Concurrency = 1, 2, 3
		}},
		{"backfill-one-range", func(c *indexer.Config) {
			c.Network.FinalityDepth, c.Network.MaxBlockRange = 20, 1000
		}},
		{"live-block-by-block", func(c *indexer.Config) { c.MaxLiveBlocks = 1 }},
		{"live-one-commit", func(c *indexer.Config) { c.MaxLiveBlocks = 256 }},
		{"handoff", func(c *indexer.Config) {
			c.Network.FinalityDepth, c.Network.MaxBlockRange, c.MaxLiveBlocks = uint64(head/2), 3, 2
		}},
	}
	tables, err := dbcompare.IndexerTables(ctx, follow)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ent_tokens", "ent_projects", "ent_beneficiaries", "ent_vendors", "ent_claims",
		"ent_balances", "ent_offline_claims", "ent_redemptions"} {
		tables = append(tables, dbcompare.Table{Name: n})
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			t.Parallel()
			// Its own deadline: a parallel subtest may wait long for a slot after the parent's began.
			ctx := testCtx(t, 5*time.Minute)
			db := pgtestNew(t)
			ix := d.entityIndexer(t, db, cfg.mod)
			stop := start(t, ix)
			waitIndexedHead(t, ix, d)
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			diff, err := dbcompare.Diff(ctx, db, follow, tables, 10)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Fatalf("the index differs from the follower's:\n%s", diff)
			}
		})
	}
}
