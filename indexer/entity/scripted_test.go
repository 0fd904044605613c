package entity_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/internal/pgtest"
)

// block sends what f sends and mines it into one block, returning the block's number and time.
func (w *world) block(ctx context.Context, f func()) (uint64, uint64) {
	w.t.Helper()
	f()
	w.mine(ctx)
	return w.head(), w.headTime(ctx)
}

// noCalls hides the claim calls of transactions, so that the handler must match OtpAdded and
// ClaimProcessed to claims the way it does when a call comes through another contract.
type noCalls struct{ *entity.RPC }

func (noCalls) ClaimCalls(_ context.Context, refs []entity.TxRef) ([]entity.ClaimCall, error) {
	return make([]entity.ClaimCall, len(refs)), nil
}

// TestClaimLifecycle walks twin claims (same vendor, beneficiary and amount) through codes, expiry,
// a resend and settlement, and reads every claim back at every block, with the claim resolved from
// the transaction's call and with the matching fallback: both must give the same index.
func TestClaimLifecycle(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	w := newWorld(t, 9)
	w.setup(ctx, 1, 1)
	p := w.projects[0]
	pb := w.project(p)
	var ben common.Address
	for a := range p.bens {
		ben = a
		break
	}
	vendor := firstVendor
	bAlloc, _ := w.block(ctx, func() { w.sentTx(pb.AllocateTokens(w.opts(ctx, keyAdmin, txGas), ben, big.NewInt(500))) })
	bCreate, _ := w.block(ctx, func() {
		w.sentTx(pb.CreateClaim(w.opts(ctx, vendor, txGas), ben, big.NewInt(100)))
		w.sentTx(pb.CreateClaim(w.opts(ctx, vendor, txGas), ben, big.NewInt(100)))
	})
	now := w.headTime(ctx)
	bCode2, _ := w.block(ctx, func() {
		w.sentTx(pb.AddOtpToClaim(w.opts(ctx, keyOTP, txGas), big.NewInt(2), contracts.OtpHash("222"), now+60))
	})
	bCode1, _ := w.block(ctx, func() {
		w.sentTx(pb.AddOtpToClaim(w.opts(ctx, keyOTP, txGas), big.NewInt(1), contracts.OtpHash("111"), now+30))
	})
	if _, err := w.chain.IncreaseTime(100 * time.Second); err != nil {
		t.Fatal(err)
	}
	bLate, tLate := w.block(ctx, func() {})
	bResend, tResend := w.block(ctx, func() {
		w.sentTx(pb.AddOtpToClaim(w.opts(ctx, keyOTP, txGas), big.NewInt(2), contracts.OtpHash("2222"), tLate+3600))
	})
	bDone, tDone := w.block(ctx, func() { w.sentTx(pb.ProcessClaim(w.opts(ctx, vendor, txGas), big.NewInt(2), "2222")) })

	d := newDecoder(t)
	events := d.events(t, ctx, w, w.deployBlock, w.head())
	dbs := map[string]*pgxpool.Pool{}
	for name, chain := range map[string]entity.Chain{"decoded calls": rpcChain(t, w), "matching fallback": noCalls{rpcChain(t, w)}} {
		db := pgtest.New(t)
		dbs[name] = db
		for _, b := range byBlocks(events, 1, func(int) int { return 1 }) {
			handle(t, ctx, db, newHandlerWith(t, chain), b)
		}
		cases := []struct {
			block   uint64
			at      uint64 // the time StateAt is asked about (0: the stored state)
			id      int64
			stored  entity.ClaimState
			state   entity.ClaimState
			codes   int64
			missing bool
		}{
			{block: bAlloc, id: 1, missing: true},
			{block: bCreate, id: 1, stored: entity.ClaimCreated, state: entity.ClaimCreated},
			{block: bCreate, id: 2, stored: entity.ClaimCreated, state: entity.ClaimCreated},
			{block: bCode2, id: 1, stored: entity.ClaimCreated, state: entity.ClaimCreated},
			{block: bCode2, id: 2, stored: entity.ClaimCodeAdded, state: entity.ClaimCodeAdded, codes: 1},
			{block: bCode1, id: 1, stored: entity.ClaimCodeAdded, state: entity.ClaimCodeAdded, codes: 1},
			{block: bLate, at: tLate, id: 1, stored: entity.ClaimCodeAdded, state: entity.ClaimExpired, codes: 1},
			{block: bLate, at: tLate, id: 2, stored: entity.ClaimCodeAdded, state: entity.ClaimExpired, codes: 1},
			{block: bResend, at: tResend, id: 2, stored: entity.ClaimCodeAdded, state: entity.ClaimCodeAdded, codes: 2},
			{block: bDone, at: tDone, id: 1, stored: entity.ClaimCodeAdded, state: entity.ClaimExpired, codes: 1},
			{block: bDone, at: tDone, id: 2, stored: entity.ClaimProcessed, state: entity.ClaimProcessed, codes: 2},
		}
		for _, c := range cases {
			got, err := entity.GetClaim(ctx, db, 1337, p.addr, big.NewInt(c.id), &c.block)
			if c.missing {
				if err != entity.ErrNotFound {
					t.Errorf("%s: claim %d at block %d: %v, want ErrNotFound", name, c.id, c.block, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: claim %d at block %d: %v", name, c.id, c.block, err)
			}
			at := c.at
			if at == 0 {
				at = got.CreatedAt
			}
			var sqlState string
			if err := db.QueryRow(ctx, `SELECT ent_claim_state($1, $2, $3)`, string(got.State), got.ExpiresAt, int64(at)).Scan(&sqlState); err != nil {
				t.Fatal(err)
			}
			if got.State != c.stored || got.StateAt(at) != c.state || sqlState != string(c.state) || got.CodeCount != c.codes {
				t.Errorf("%s: claim %d at block %d: stored %s, at %d %s (SQL %s), codes %d; want %s, %s, %d",
					name, c.id, c.block, got.State, at, got.StateAt(at), sqlState, got.CodeCount, c.stored, c.state, c.codes)
			}
			if c.stored != entity.ClaimCreated && (got.ExpiresAt == nil || got.OtpHash == nil) {
				t.Errorf("%s: claim %d at block %d has no code or expiry", name, c.id, c.block)
			}
		}
		totals, err := entity.VendorTotals(ctx, db, 1337, w.addrs[vendor], nil)
		if err != nil || len(totals) != 1 || totals[0].Claims != 2 || totals[0].Processed != 1 || totals[0].Claimed.Int64() != 100 {
			t.Errorf("%s: vendor totals %+v, %v", name, totals, err)
		}
		assertChecks(t, ctx, db, w, w.head())
	}
	assertSameEntities(t, ctx, dbs["matching fallback"], dbs["decoded calls"])
}

func rpcChain(t testing.TB, w *world) *entity.RPC {
	t.Helper()
	c, err := entity.NewRPC(w.client)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSupplyAndSameBlock mints, transfers and burns a token in a few blocks, several changes of
// one holder per block, and reads the token and a holder back at every block; a block split over
// two batches must give the same index as whole blocks.
func TestSupplyAndSameBlock(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	w := newWorld(t, 13)
	w.setup(ctx, 2, 1) // token 1 belongs to no project
	tok := w.tokens[1]
	tb := w.token(tok)
	tr, err := bindings.NewRahatTreasury(w.treasury, w.client)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := w.vendorAddr(0), w.vendorAddr(1), w.vendorAddr(2)
	w.block(ctx, func() { w.sentTx(tr.AddTokenOwner(w.opts(ctx, keyAdmin, txGas), tok, w.addrs[keySpare])) })
	b1, _ := w.block(ctx, func() {
		w.sentTx(tb.Mint(w.opts(ctx, keySpare, txGas), a, big.NewInt(100)))
		w.sentTx(tb.Mint(w.opts(ctx, keySpare, txGas), a, big.NewInt(50)))
		w.sentTx(tb.Mint(w.opts(ctx, keySpare, txGas), b, big.NewInt(10)))
		w.sentTx(tb.Transfer(w.opts(ctx, firstVendor, txGas), b, big.NewInt(30)))
	})
	b2, _ := w.block(ctx, func() {
		w.sentTx(tb.Burn(w.opts(ctx, firstVendor, txGas), big.NewInt(20)))
		w.sentTx(tb.Transfer(w.opts(ctx, firstVendor+1, txGas), a, big.NewInt(40)))
	})
	b3, _ := w.block(ctx, func() { w.sentTx(tb.Transfer(w.opts(ctx, firstVendor, txGas), c, big.NewInt(0))) })
	b4, _ := w.block(ctx, func() { w.sentTx(tr.RemoveTokenOwner(w.opts(ctx, keyAdmin, txGas), tok, w.addrs[keySpare])) })

	d := newDecoder(t)
	events := d.events(t, ctx, w, w.deployBlock, w.head())
	h := newHandler(t, w)
	whole := pgtest.New(t)
	for _, bt := range byBlocks(events, 1, func(int) int { return 1 }) {
		handle(t, ctx, whole, h, bt)
	}
	split := pgtest.New(t)
	for _, bt := range byBlocks(events, 1, func(int) int { return 1 }) {
		if bt[0].BlockNumber == b1 || bt[0].BlockNumber == b2 {
			cut := len(bt) / 2
			handle(t, ctx, split, h, bt[:cut])
			handle(t, ctx, split, h, bt[cut:])
			continue
		}
		handle(t, ctx, split, h, bt)
	}
	assertSameEntities(t, ctx, split, whole)

	cases := []struct {
		block                                     uint64
		supply, minted, burnt, holders, transfers int64
		owners                                    int64
		balA, balB                                int64
	}{
		{b1, 160, 160, 0, 2, 4, 2, 120, 40},
		{b2, 140, 160, 20, 1, 6, 2, 140, 0},
		{b3, 140, 160, 20, 1, 7, 2, 140, 0},
		{b4, 140, 160, 20, 1, 7, 1, 140, 0},
	}
	for _, cs := range cases {
		var supply, minted, burnt string
		var holders, transfers, owners int64
		err := whole.QueryRow(ctx, `SELECT total_supply::text, minted::text, burnt::text, holder_count, transfer_count, owner_count
FROM ent_tokens WHERE chain_id = 1337 AND address = $1 AND block_range @> $2::int8`, tok.Bytes(), int64(cs.block)).
			Scan(&supply, &minted, &burnt, &holders, &transfers, &owners)
		if err != nil {
			t.Fatal(err)
		}
		if supply != big.NewInt(cs.supply).String() || minted != big.NewInt(cs.minted).String() || burnt != big.NewInt(cs.burnt).String() ||
			holders != cs.holders || transfers != cs.transfers || owners != cs.owners {
			t.Errorf("block %d: supply %s minted %s burnt %s holders %d transfers %d owners %d; want %+v",
				cs.block, supply, minted, burnt, holders, transfers, owners, cs)
		}
		for holder, want := range map[common.Address]int64{a: cs.balA, b: cs.balB} {
			bals, err := entity.BeneficiaryBalances(ctx, whole, 1337, holder, &cs.block)
			if err != nil {
				t.Fatal(err)
			}
			if got := balanceOf(bals, tok); got != want {
				t.Errorf("block %d holder %s: balance %d, want %d", cs.block, holder, got, want)
			}
		}
		assertChecks(t, ctx, whole, w, cs.block)
	}
	// One version per block that changed the holder: a changed in b1, b2 and b3 (a zero transfer).
	var versions int
	if err := whole.QueryRow(ctx, `SELECT count(*) FROM ent_balances WHERE token = $1 AND holder = $2`, tok.Bytes(), a.Bytes()).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 3 {
		t.Errorf("holder a has %d versions, want 3", versions)
	}
}

func balanceOf(bals []entity.TokenBalance, tok common.Address) int64 {
	for _, b := range bals {
		if b.Token == tok {
			return b.Balance.Int64()
		}
	}
	return 0
}
