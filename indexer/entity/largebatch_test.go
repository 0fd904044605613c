package entity_test

import (
	"context"
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
)

var massBlocks = flag.Int("entity.mass-blocks", 10, "blocks of mass registrations and allocations in TestLargeMixedBatches (each adds 260 beneficiaries and allocates up to 1,000; two blocks of 2,500 reallocations follow)")

// Per mass block: two addBeneficiaries of massAdd new addresses, then allocateTokensBatch of those
// and of older beneficiaries (massAlloc entries per transaction, two transactions), plus removals
// and the re-registration of a removed beneficiary. The gas of the block stays under the dev
// chain's 60M: 2 x 15.2M + 2 x 10.25M + small calls.
const (
	massAdd     = 130
	massAlloc   = 500
	massRemoves = 3
	massAddGas  = 250_000 + massAdd*115_000
	massAllocGs = 250_000 + massAlloc*20_000
)

// massState is the part of the programme the mass blocks play: the beneficiaries registered,
// removed, and the next address to create.
type massState struct {
	p        *wproject
	active   []common.Address // registered, in registration order
	removed  []common.Address // removed, not registered again yet
	next     uint64
	blocks   []uint64 // the mass blocks, in order
	maxAlloc int64
}

func (m *massState) newAddr(seed uint64) common.Address {
	m.next++
	var b [16]byte
	big.NewInt(int64(seed)).FillBytes(b[:8])
	new(big.Int).SetUint64(m.next).FillBytes(b[8:])
	return common.BytesToAddress(crypto.Keccak256(b[:])[12:])
}

// massBlock seals one block in which massAdd*2 new beneficiaries (and one re-registered) are added
// and allocated, 2*massAlloc-(those) older ones get a new allocation, and massRemoves are removed:
// many keys changed two or three times within the block, and many keys whose open version is
// older than the batch.
func (w *world) massBlock(ctx context.Context, m *massState, seed uint64) {
	w.t.Helper()
	pb := w.project(m.p)
	old := slices.Clone(m.active)
	w.rng.Shuffle(len(old), func(i, j int) { old[i], old[j] = old[j], old[i] })
	// Removals come out of the older beneficiaries, and are never re-allocated in this block.
	nRemove := min(massRemoves, len(old))
	remove, old := old[:nRemove], old[nRemove:]
	var fresh []common.Address
	for range 2 * massAdd {
		fresh = append(fresh, m.newAddr(seed))
	}
	if len(m.removed) > 0 {
		// One removed in an earlier block comes back: it replaces one fresh address.
		fresh[0], m.removed = m.removed[0], m.removed[1:]
	}
	for _, a := range remove {
		w.sentTx(pb.RemoveBeneficiary(w.opts(ctx, keyAdmin, txGas), a))
	}
	w.sentTx(pb.AddBeneficiaries(w.opts(ctx, keyAdmin, massAddGas), fresh[:massAdd]))
	w.sentTx(pb.AddBeneficiaries(w.opts(ctx, keyAdmin, massAddGas), fresh[massAdd:]))
	w.allocateInBatches(ctx, pb, m, append(slices.Clone(fresh), old[:min(len(old), 2*massAlloc-len(fresh))]...))
	w.mine(ctx)
	for _, a := range remove {
		i := slices.Index(m.active, a)
		m.active = slices.Delete(m.active, i, i+1)
	}
	m.removed = append(m.removed, remove...)
	m.active = append(m.active, fresh...)
	m.blocks = append(m.blocks, w.head())
}

// reallocBlock seals one block that gives up to 5*massAlloc older beneficiaries a new allocation:
// a batch holding it closes thousands of open versions written by earlier batches.
func (w *world) reallocBlock(ctx context.Context, m *massState) {
	w.t.Helper()
	pb := w.project(m.p)
	old := slices.Clone(m.active)
	w.rng.Shuffle(len(old), func(i, j int) { old[i], old[j] = old[j], old[i] })
	w.allocateInBatches(ctx, pb, m, old[:min(len(old), 5*massAlloc)])
	w.mine(ctx)
	m.blocks = append(m.blocks, w.head())
}

// allocateInBatches sends allocateTokensBatch transactions of massAlloc beneficiaries each, with
// random amounts, for the next block.
func (w *world) allocateInBatches(ctx context.Context, pb *bindings.RahatProject, m *massState, bens []common.Address) {
	w.t.Helper()
	for i := 0; i < len(bens); i += massAlloc {
		part := bens[i:min(i+massAlloc, len(bens))]
		amounts := make([]*big.Int, len(part))
		for j := range amounts {
			amounts[j] = big.NewInt(1 + w.rng.Int64N(m.maxAlloc))
		}
		w.sentTx(pb.AllocateTokensBatch(w.opts(ctx, keyAdmin, massAllocGs), part, amounts))
	}
}

// benKeys returns the beneficiary entities (project, address) an event touches.
func benKeys(ev *indexer.Event) [][2]common.Address {
	if ev.Contract != "RahatProject" {
		return nil
	}
	var out [][2]common.Address
	for _, v := range ev.Args {
		if a, ok := v.(common.Address); ok {
			switch ev.Name {
			case "BeneficiaryAdded", "BeneficiaryRemoved":
			case "TokensAllocated", "TokensDisbursed", "OtpAdded", "ClaimProcessed", "OfflineClaimProcessed",
				"WalkInBeneficiaryAdded":
				if ev.Args["beneficiary"] != a {
					continue
				}
			case "ClaimCreated":
				if ev.Args["claimee"] != a {
					continue
				}
			default:
				continue
			}
			out = append(out, [2]common.Address{ev.Address, a})
		}
	}
	return out
}

// splitByKeys cuts events into batches of exactly k distinct beneficiary entities each (the last
// batch holds the rest), wherever that falls, in the middle of a block too: the handler must then
// replace the open version a key got earlier in the same block (its remove path). With stored, only
// entities already written by an earlier batch count (their open versions get closed or replaced),
// and the first batch ends with block first.
func splitByKeys(events []indexer.Event, k int, stored bool, first uint64) [][]indexer.Event {
	var out [][]indexer.Event
	seen := map[[2]common.Address]bool{} // written by an earlier batch
	start := 0
	if stored {
		for start < len(events) && events[start].BlockNumber <= first {
			for _, key := range benKeys(&events[start]) {
				seen[key] = true
			}
			start++
		}
		out = append(out, events[:start])
	}
	for start < len(events) {
		batch := map[[2]common.Address]bool{}
		end := start
		for end < len(events) {
			keys := benKeys(&events[end])
			grow := 0
			for _, key := range keys {
				if !batch[key] && (!stored || seen[key]) {
					grow++
				}
			}
			if len(batch)+grow > k && len(batch) > 0 {
				break
			}
			for _, key := range keys {
				if !stored || seen[key] {
					batch[key] = true
				}
			}
			end++
		}
		for _, ev := range events[start:end] {
			for _, key := range benKeys(&ev) {
				seen[key] = true
			}
		}
		out = append(out, events[start:end])
		start = end
	}
	return out
}

// TestLargeMixedBatches drives the handler with very large batches that add, allocate, remove and
// re-add thousands of beneficiaries in the same blocks, cut in every way the indexer (or a worse
// one) could cut them: all at once, block by block, random runs of blocks, and batches of exactly
// 999, 1,000, 1,001, 2,499, 2,500 and 2,501 distinct beneficiaries (the id chunks of 1,000 per
// statement), counted over every key or only over keys whose open version an earlier batch wrote,
// cut mid-block too (the stored count starts after the last block of registrations, so that the
// reallocation blocks close thousands of open versions in one batch); and with rollbacks to ancestors inside the mass blocks, re-applied in other
// cuts. Every cut must produce the same rows, versions and all, as block-by-block application, and
// that must match the chain (entity.Check, eth_call) at the head and at mass blocks before it.
func TestLargeMixedBatches(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 5*time.Minute)
	w := newWorld(t, 77)
	w.setup(ctx, 1, 2)
	for range 6 {
		w.step(ctx, 1+w.rng.IntN(4))
	}
	p := w.projects[0]
	w.fund(ctx, p, big.NewInt(1_000_000_000))
	w.mine(ctx)
	// The mass blocks leave the beneficiaries of the world's model alone, so that its actions stay
	// valid in between.
	m := &massState{p: p, maxAlloc: 1000}
	for i := range *massBlocks {
		w.massBlock(ctx, m, 77)
		if i%3 == 1 {
			// Ordinary activity in between (claims, transfers, the other project) keeps the other
			// tables in the same batches.
			w.step(ctx, 1+w.rng.IntN(4))
		}
	}
	lastAdd := m.blocks[len(m.blocks)-1]
	w.reallocBlock(ctx, m)
	w.step(ctx, 2)
	w.reallocBlock(ctx, m)
	w.step(ctx, 2)
	head := w.head()
	d := newDecoder(t)
	events := d.events(t, ctx, w, w.deployBlock, head)
	h := newHandler(t, w)
	t.Logf("%d events in blocks %d-%d; %d beneficiaries registered in the mass project; mass blocks %v",
		len(events), w.deployBlock, head, len(m.active), m.blocks)

	// The reference: one block per batch, checked against the chain.
	ref := pgtest.New(t)
	for _, b := range byBlocks(events, 1, func(int) int { return 1 }) {
		handle(t, ctx, ref, h, b)
	}
	assertChecks(t, ctx, ref, w, head)
	for _, n := range []uint64{m.blocks[0], m.blocks[len(m.blocks)/2], m.blocks[len(m.blocks)-1]} {
		assertChecks(t, ctx, ref, w, n)
	}

	type cut struct {
		name    string
		batches func(rng *rand.Rand) [][]indexer.Event
	}
	cuts := []cut{
		{"one-batch", func(*rand.Rand) [][]indexer.Event { return [][]indexer.Event{events} }},
		{"random-blocks", func(rng *rand.Rand) [][]indexer.Event {
			return byBlocks(events, 5, func(n int) int { return 1 + rng.IntN(n) })
		}},
	}
	for _, k := range []int{999, 1000, 1001, 2499, 2500, 2501} {
		cuts = append(cuts,
			cut{fmt.Sprintf("keys-%d", k), func(*rand.Rand) [][]indexer.Event { return splitByKeys(events, k, false, 0) }},
			cut{fmt.Sprintf("stored-%d", k), func(*rand.Rand) [][]indexer.Event { return splitByKeys(events, k, true, lastAdd) }})
	}
	for i, c := range cuts {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Its own deadline: a parallel subtest may wait long for a slot after the parent's began.
			ctx := testCtx(t, 5*time.Minute)
			rng := rand.New(rand.NewPCG(uint64(i), 5))
			db := pgtest.New(t)
			batches := c.batches(rng)
			sizes := make([]int, len(batches))
			for j, b := range batches {
				sizes[j] = len(b)
				handle(t, ctx, db, h, b)
			}
			assertSameEntities(t, ctx, db, ref)
			t.Logf("batch sizes %v", sizes)
		})
	}

	// Rollbacks into the mass blocks, each followed by the undone blocks in another cut.
	t.Run("rollbacks", func(t *testing.T) {
		t.Parallel()
		// Its own deadline: a parallel subtest may wait long for a slot after the parent's began.
		ctx := testCtx(t, 5*time.Minute)
		rng := rand.New(rand.NewPCG(99, 5))
		db := pgtest.New(t)
		for _, b := range byBlocks(events, 4, func(n int) int { return 1 + rng.IntN(n) }) {
			handle(t, ctx, db, h, b)
		}
		for r := range 4 {
			anc := m.blocks[rng.IntN(len(m.blocks))] - uint64(rng.IntN(2))
			rollback(t, ctx, db, h, anc)
			i, _ := slices.BinarySearchFunc(events, anc+1, func(ev indexer.Event, n uint64) int { return int(ev.BlockNumber) - int(n) })
			var batches [][]indexer.Event
			switch r % 3 {
			case 0:
				batches = [][]indexer.Event{events[i:]}
			case 1:
				batches = splitByKeys(events[i:], 1000, false, 0)
			default:
				batches = byBlocks(events[i:], 1, func(int) int { return 1 })
			}
			for _, b := range batches {
				handle(t, ctx, db, h, b)
			}
			assertSameEntities(t, ctx, db, ref)
		}
	})
}
