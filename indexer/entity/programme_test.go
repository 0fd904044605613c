package entity_test

import (
	"context"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/internal/pgtest"
)

// TestProgrammeMatchesChain plays a seeded aid programme that emits every event of the four
// contracts, indexes it in random batches, and checks every entity against the chain at the head
// and at past blocks (time travel), through the checker and through the read API.
func TestProgrammeMatchesChain(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	w := newWorld(t, 1)
	w.setup(ctx, 2, 3)
	for range 50 {
		w.step(ctx, 1+w.rng.IntN(8))
	}
	d := newDecoder(t)
	events := d.events(t, ctx, w, w.deployBlock, w.head())
	assertEveryEvent(t, events)

	db := pgtest.New(t)
	h := newHandler(t, w)
	index(t, ctx, db, h, d, w, w.deployBlock, w.head(), 8)
	past := []uint64{w.head(), w.head() - 1, w.head() - 7, w.head() - 25, w.deployBlock + 4, w.deployBlock + 1}
	for _, n := range past {
		assertChecks(t, ctx, db, w, n)
		assertBalancesAt(t, ctx, db, w, &n)
	}
	assertBalancesAt(t, ctx, db, w, nil)
	assertIDs(t, ctx, db)
}

// assertIDs checks that the ids the handler computes are the SQL function ent_id's.
func assertIDs(t *testing.T, ctx context.Context, db *pgxpool.Pool) {
	t.Helper()
	for table, key := range map[string]string{
		"ent_tokens": "address", "ent_projects": "address", "ent_beneficiaries": "project, address",
		"ent_vendors": "project, address", "ent_balances": "token, holder",
		"ent_claims": "project, convert_to(claim_id::text, 'UTF8')",
	} {
		var bad, all int
		q := `SELECT count(*) FILTER (WHERE id <> ent_id(chain_id, ` + key + `)), count(*) FROM ` + table
		if err := db.QueryRow(ctx, q).Scan(&bad, &all); err != nil {
			t.Fatal(err)
		}
		if bad != 0 || all == 0 {
			t.Errorf("%s: %d of %d rows have an id other than ent_id", table, bad, all)
		}
	}
}

// assertEveryEvent fails unless events hold at least one of every event of the contracts' ABIs.
func assertEveryEvent(t *testing.T, events []indexer.Event) {
	t.Helper()
	seen := map[[2]string]bool{}
	for _, ev := range events {
		seen[[2]string{ev.Contract, ev.Name}] = true
	}
	for _, c := range []string{"RahatTreasury", "RahatProjectFactory", "RahatToken", "RahatProject"} {
		a, err := contracts.ABI(c)
		if err != nil {
			t.Fatal(err)
		}
		for name := range a.Events {
			if !seen[[2]string{c, name}] {
				t.Errorf("the programme emitted no %s.%s", c, name)
			}
		}
	}
}

// assertBalancesAt compares BeneficiaryBalances and VendorTotals at block n (nil: now) with the
// chain's allocation(), balanceOf() and the vendors' counters.
func assertBalancesAt(t *testing.T, ctx context.Context, db *pgxpool.Pool, w *world, n *uint64) {
	t.Helper()
	opts := &bind.CallOpts{Context: ctx}
	if n != nil {
		opts.BlockNumber = new(big.Int).SetUint64(*n)
	}
	checked := 0
	for _, person := range w.people {
		got, err := entity.BeneficiaryBalances(ctx, db, 1337, person, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range got {
			want := new(big.Int)
			for _, p := range w.projects {
				if p.token != tb.Token {
					continue
				}
				pb := w.project(p)
				if code, _ := w.client.CodeAt(ctx, p.addr, opts.BlockNumber); len(code) == 0 {
					continue // not deployed yet at n
				}
				a, err := pb.Allocation(opts, person)
				if err != nil {
					t.Fatal(err)
				}
				want.Add(want, a)
			}
			bal, err := w.token(tb.Token).BalanceOf(opts, person)
			if err != nil {
				t.Fatal(err)
			}
			if tb.Allocation.Cmp(want) != 0 || tb.Balance.Cmp(bal) != 0 {
				t.Errorf("block %v beneficiary %s token %s: allocation %s balance %s, chain %s %s", n, person, tb.Symbol,
					tb.Allocation, tb.Balance, want, bal)
			}
			if tb.Available.Cmp(new(big.Int).Add(want, bal)) != 0 || tb.Allocated.Cmp(new(big.Int).Add(new(big.Int).Add(tb.Allocation, tb.Claimed), tb.Disbursed)) != 0 {
				t.Errorf("block %v beneficiary %s: available %s allocated %s do not add up", n, person, tb.Available, tb.Allocated)
			}
			if tb.Symbol == "" || !tb.HasDecimals {
				t.Errorf("beneficiary %s token %s has no symbol or decimals", person, tb.Token)
			}
			checked++
		}
	}
	if n == nil && checked == 0 {
		t.Fatal("no beneficiary balance was checked")
	}
	for i := range vendorKeys {
		va := w.vendorAddr(i)
		totals, err := entity.VendorTotals(ctx, db, 1337, va, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, vt := range totals {
			pb, err := bindings.NewRahatProject(vt.Project, w.client)
			if err != nil {
				t.Fatal(err)
			}
			approved, err := pb.IsVendor(opts, va)
			if err != nil {
				t.Fatal(err)
			}
			bal, err := w.token(vt.Token).BalanceOf(opts, va)
			if err != nil {
				t.Fatal(err)
			}
			if vt.Approved != approved || vt.TokenBalance.Cmp(bal) != 0 {
				t.Errorf("block %v vendor %s project %s: approved %t balance %s, chain %t %s", n, va, vt.Project,
					vt.Approved, vt.TokenBalance, approved, bal)
			}
		}
	}
}

// TestClaimsReadAPI lists claims by vendor and beneficiary and reads each by id, now and at a past
// block, against claims(id) on chain.
func TestClaimsReadAPI(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	w := newWorld(t, 7)
	w.setup(ctx, 1, 2)
	for range 30 {
		w.step(ctx, 1+w.rng.IntN(6))
	}
	db := pgtest.New(t)
	index(t, ctx, db, newHandler(t, w), newDecoder(t), w, w.deployBlock, w.head(), 5)
	for _, at := range []*uint64{nil, ptr(w.head() - 10)} {
		opts := &bind.CallOpts{Context: ctx}
		if at != nil {
			opts.BlockNumber = new(big.Int).SetUint64(*at)
		}
		total := 0
		for i := range vendorKeys {
			va := w.vendorAddr(i)
			list, err := entity.ListClaims(ctx, db, 1337, entity.ClaimFilter{Claimer: &va}, at)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range list {
				total++
				oc, err := w.project(&wproject{addr: c.Project}).Claims(opts, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if oc.Claimer != va || oc.Claimee != c.Claimee || oc.Amount.Cmp(c.Amount) != 0 || oc.Settled != (c.State == entity.ClaimProcessed) {
					t.Errorf("claim %s of %s at %v: indexed %+v, chain %+v", c.ID, c.Project, at, c, oc)
				}
				one, err := entity.GetClaim(ctx, db, 1337, c.Project, c.ID, at)
				if err != nil || one.State != c.State {
					t.Errorf("GetClaim %s: %+v, %v", c.ID, one, err)
				}
				mine, err := entity.ListClaims(ctx, db, 1337, entity.ClaimFilter{Claimee: &c.Claimee, Project: &c.Project}, at)
				if err != nil || !slices.ContainsFunc(mine, func(x entity.Claim) bool { return x.ID.Cmp(c.ID) == 0 }) {
					t.Errorf("claim %s missing from its beneficiary's list: %v", c.ID, err)
				}
			}
		}
		if total == 0 {
			t.Fatalf("no claims at %v", at)
		}
	}
	if _, err := entity.GetClaim(ctx, db, 1337, common.Address{1}, big.NewInt(1), nil); err != entity.ErrNotFound {
		t.Fatalf("GetClaim of an unknown claim: %v, want ErrNotFound", err)
	}
}

func ptr[T any](v T) *T { return &v }
