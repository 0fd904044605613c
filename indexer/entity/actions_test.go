package entity_test

import (
	"context"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
)

// step sends n random actions and mines them into one block.
func (w *world) step(ctx context.Context, n int) {
	w.t.Helper()
	w.send(ctx, n)
	w.mine(ctx)
}

// send sends n random actions (fewer if none applies after many tries).
func (w *world) send(ctx context.Context, n int) {
	w.t.Helper()
	for done, tries := 0, 0; done < n && tries < 20*n; tries++ {
		if w.action(ctx) {
			done++
		}
	}
}

func codeFor(id int) string { return fmt.Sprintf("%06d", (id*7919)%1_000_000) }

// pickBen returns a registered beneficiary of p whose spendable allocation is at least min, or false.
func (w *world) pickBen(p *wproject, min int64) (common.Address, *wben, bool) {
	var cands []common.Address
	for a, b := range p.bens {
		if b.registered && b.spendable().Cmp(big.NewInt(min)) >= 0 {
			cands = append(cands, a)
		}
	}
	if len(cands) == 0 {
		return common.Address{}, nil, false
	}
	slices.SortFunc(cands, func(x, y common.Address) int { return x.Cmp(y) })
	a := cands[w.rng.IntN(len(cands))]
	return a, p.bens[a], true
}

func (w *world) pickVendor(p *wproject, f func(common.Address) bool) (int, bool) {
	var cands []int
	for i := range vendorKeys {
		if f(w.vendorAddr(i)) {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return 0, false
	}
	return cands[w.rng.IntN(len(cands))], true
}

// upTo returns a random amount in [1, min(limit, cap)] (limit >= 1).
func (w *world) upTo(limit *big.Int, cap int64) *big.Int {
	if limit.IsInt64() && limit.Int64() < cap {
		cap = limit.Int64()
	}
	return big.NewInt(1 + w.rng.Int64N(cap))
}

// action sends one random action whose preconditions hold in the model; false if it did nothing.
func (w *world) action(ctx context.Context) bool {
	p := w.projects[w.rng.IntN(len(w.projects))]
	pb := w.project(p)
	admin := func() *bind.TransactOpts { return w.opts(ctx, keyAdmin, txGas) }
	switch k := w.rng.IntN(100); {
	case k < 12: // allocate to 1-3 beneficiaries in one transaction
		var list []common.Address
		var amounts []*big.Int
		for range 1 + w.rng.IntN(3) {
			a, b, ok := w.pickBen(p, 0)
			if !ok || slices.Contains(list, a) {
				continue
			}
			room := new(big.Int).Add(p.free(), b.spendable())
			if room.Cmp(big.NewInt(1000)) > 0 {
				room = big.NewInt(1000)
			}
			amt := new(big.Int).Add(b.reserved, big.NewInt(w.rng.Int64N(room.Int64()+1)))
			p.allocated = new(big.Int).Add(p.allocated, new(big.Int).Sub(amt, b.alloc))
			b.alloc = amt
			list, amounts = append(list, a), append(amounts, amt)
		}
		if len(list) == 0 {
			return false
		}
		w.sentTx(pb.AllocateTokensBatch(w.opts(ctx, keyAdmin, txGas), list, amounts))
	case k < 17:
		w.addBeneficiaries(ctx, p, 1+w.rng.IntN(3))
	case k < 19: // remove a beneficiary without open claims
		a, b, ok := w.pickBen(p, 0)
		if !ok || b.reserved.Sign() != 0 {
			return false
		}
		p.allocated = new(big.Int).Sub(p.allocated, b.alloc)
		b.alloc, b.registered = new(big.Int), false
		w.sentTx(pb.RemoveBeneficiary(admin(), a))
	case k < 23:
		w.fund(ctx, p, w.upTo(big.NewInt(20_000), 20_000))
	case k < 25: // mint straight to the project, then recognise it
		tr, err := bindings.NewRahatTreasury(w.treasury, w.client)
		if err != nil {
			w.t.Fatal(err)
		}
		amt := w.upTo(big.NewInt(5000), 5000)
		w.sentTx(tr.MintTokenAndSend(admin(), p.token, p.addr, amt))
		w.sentTx(pb.SyncTokenBudget(admin()))
		p.budget = new(big.Int).Add(p.budget, amt)
	case k < 28: // approve or revoke a vendor
		v := w.vendorAddr(w.rng.IntN(vendorKeys))
		approve := !p.vendors[v]
		w.sentTx(pb.UpdateVendor(admin(), v, approve))
		p.vendors[v] = approve
		p.wasVendor[v] = p.wasVendor[v] || approve
	case k < 42: // a vendor creates a claim (sometimes a twin of an open one)
		vi, ok := w.pickVendor(p, func(a common.Address) bool { return p.vendors[a] })
		if !ok {
			return false
		}
		a, b, ok := w.pickBen(p, 1)
		if !ok {
			return false
		}
		amt := w.upTo(b.spendable(), 200)
		for _, c := range p.claims {
			if !c.settled && c.ben == a && c.vendor == w.vendorAddr(vi) && c.amount.Cmp(b.spendable()) <= 0 && w.rng.IntN(2) == 0 {
				amt = c.amount // an identical claim: OtpAdded and ClaimProcessed cannot tell them apart
				break
			}
		}
		w.sentTx(pb.CreateClaim(w.opts(ctx, firstVendor+vi, txGas), a, amt))
		b.reserved = new(big.Int).Add(b.reserved, amt)
		p.claims = append(p.claims, &wclaim{vendor: w.vendorAddr(vi), ben: a, amount: amt, code: codeFor(len(p.claims) + 1)})
	case k < 54: // the OTP server adds (or resends) a code
		id, ok := w.pickClaim(p, func(c *wclaim) bool { return !c.settled })
		if !ok {
			return false
		}
		c := p.claims[id-1]
		exp := w.headTime(ctx) + 3600
		w.sentTx(pb.AddOtpToClaim(w.opts(ctx, keyOTP, txGas), big.NewInt(int64(id)), contracts.OtpHash(c.code), exp))
		c.hasCode = true
	case k < 66: // the vendor settles a claim with its code
		id, ok := w.pickClaim(p, func(c *wclaim) bool { return !c.settled && c.hasCode && p.vendors[c.vendor] })
		if !ok {
			return false
		}
		c := p.claims[id-1]
		vi := slices.Index(w.addrs, c.vendor)
		w.sentTx(pb.ProcessClaim(w.opts(ctx, vi, txGas), big.NewInt(int64(id)), c.code))
		c.settled = true
		w.spend(p, c.ben, c.amount, true)
		w.addHeld(p.token, c.vendor, c.amount)
	case k < 72: // an offline voucher, signed by the beneficiary or the OTP server
		vi, ok := w.pickVendor(p, func(a common.Address) bool { return p.vendors[a] })
		if !ok {
			return false
		}
		a, b, ok := w.pickBen(p, 1)
		if !ok {
			return false
		}
		amt := w.upTo(b.spendable(), 150)
		p.voucherNonce++
		v := contracts.OfflineVoucher{ChainID: big.NewInt(1337), Project: p.addr, Beneficiary: a, Vendor: w.vendorAddr(vi),
			Amount: amt, Nonce: big.NewInt(p.voucherNonce), Deadline: new(big.Int).SetUint64(w.headTime(ctx) + 3600)}
		signer := w.peopleK[a]
		if w.rng.IntN(2) == 0 {
			signer = w.keys[keyOTP]
		}
		sig, err := v.Sign(signer)
		if err != nil {
			w.t.Fatal(err)
		}
		w.sentTx(pb.ProcessOfflineClaim(w.opts(ctx, firstVendor+vi, txGas), a, amt, v.Nonce, v.Deadline, sig))
		w.spend(p, a, amt, false)
		w.addHeld(p.token, w.vendorAddr(vi), amt)
	case k < 76: // a walk-in beneficiary
		vi, ok := w.pickVendor(p, func(a common.Address) bool { return p.vendors[a] })
		if !ok || p.free().Sign() <= 0 {
			return false
		}
		amt := w.upTo(p.free(), 500)
		a := w.person()
		w.sentTx(pb.AddWalkInBeneficiary(w.opts(ctx, firstVendor+vi, txGas), a, amt))
		p.bens[a] = &wben{registered: true, alloc: amt, reserved: new(big.Int)}
		p.allocated = new(big.Int).Add(p.allocated, amt)
	case k < 81: // disburse to the beneficiary's wallet
		a, b, ok := w.pickBen(p, 1)
		if !ok {
			return false
		}
		amt := w.upTo(b.spendable(), 300)
		w.sentTx(pb.DisburseTokens(admin(), a, amt))
		w.spend(p, a, amt, false)
	case k < 86: // a vendor redeems tokens for cash
		vi, ok := w.pickVendor(p, func(a common.Address) bool { return p.wasVendor[a] && w.heldOf(p.token, a).Sign() > 0 })
		if !ok {
			return false
		}
		va := w.vendorAddr(vi)
		amt := w.upTo(w.heldOf(p.token, va), 400)
		w.sentTx(w.token(p.token).Approve(w.opts(ctx, firstVendor+vi, txGas), p.addr, amt))
		w.sentTx(pb.RedeemTokens(w.opts(ctx, firstVendor+vi, txGas), amt))
		w.addHeld(p.token, va, new(big.Int).Neg(amt))
	case k < 92: // a vendor transfers or burns tokens
		vi, ok := w.pickVendor(p, func(a common.Address) bool { return w.heldOf(p.token, a).Sign() > 0 })
		if !ok {
			return false
		}
		va := w.vendorAddr(vi)
		amt := w.upTo(w.heldOf(p.token, va), 100)
		tok := w.token(p.token)
		if w.rng.IntN(3) == 0 {
			w.sentTx(tok.Burn(w.opts(ctx, firstVendor+vi, txGas), amt))
		} else {
			to := w.vendorAddr(w.rng.IntN(vendorKeys))
			if w.rng.IntN(2) == 0 {
				to = w.people[w.rng.IntN(len(w.people))]
			}
			w.sentTx(tok.Transfer(w.opts(ctx, firstVendor+vi, txGas), to, amt))
			w.addHeld(p.token, to, amt)
		}
		w.addHeld(p.token, va, new(big.Int).Neg(amt))
	case k < 96: // the spare key becomes or stops being a token owner, and mints while it is one
		tr, err := bindings.NewRahatTreasury(w.treasury, w.client)
		if err != nil {
			w.t.Fatal(err)
		}
		tok := w.tokens[w.rng.IntN(len(w.tokens))]
		spare := w.addrs[keySpare]
		switch {
		case !w.owners[tok]:
			w.sentTx(tr.AddTokenOwner(admin(), tok, spare))
			w.owners[tok] = true
		case w.rng.IntN(2) == 0:
			to := w.vendorAddr(w.rng.IntN(vendorKeys))
			w.sentTx(w.token(tok).Mint(w.opts(ctx, keySpare, txGas), to, big.NewInt(77)))
			w.addHeld(tok, to, big.NewInt(77))
		default:
			w.sentTx(tr.RemoveTokenOwner(admin(), tok, spare))
			w.owners[tok] = false
		}
	default: // a holder moves tokens it received (the spare key holds none: a zero transfer)
		w.sentTx(w.token(p.token).Transfer(w.opts(ctx, keySpare, txGas), w.people[w.rng.IntN(len(w.people))], new(big.Int)))
	}
	return true
}

// spend mirrors the contract's _spend in the model.
func (w *world) spend(p *wproject, ben common.Address, amt *big.Int, reserved bool) {
	b := p.bens[ben]
	b.alloc = new(big.Int).Sub(b.alloc, amt)
	if reserved {
		b.reserved = new(big.Int).Sub(b.reserved, amt)
	}
	p.allocated = new(big.Int).Sub(p.allocated, amt)
	p.budget = new(big.Int).Sub(p.budget, amt)
}

func (w *world) pickClaim(p *wproject, f func(*wclaim) bool) (int, bool) {
	var ids []int
	for i, c := range p.claims {
		if f(c) {
			ids = append(ids, i+1)
		}
	}
	if len(ids) == 0 {
		return 0, false
	}
	return ids[w.rng.IntN(len(ids))], true
}

// sync re-reads the model from the chain's latest state (after reorgs, or to pick up what a
// setup block created).
func (w *world) sync(ctx context.Context) {
	w.t.Helper()
	clear(w.nonces)
	opts := &bind.CallOpts{Context: ctx}
	must := func(err error) {
		w.t.Helper()
		if err != nil {
			w.t.Fatalf("syncing the model: %v", err)
		}
	}
	tr, err := bindings.NewRahatTreasury(w.treasury, w.client)
	must(err)
	n, err := tr.TokenCount(opts)
	must(err)
	w.tokens = w.tokens[:0]
	for i := range n.Int64() {
		a, err := tr.Tokens(opts, big.NewInt(i))
		must(err)
		w.tokens = append(w.tokens, a)
	}
	f, err := bindings.NewRahatProjectFactory(w.factory, w.client)
	must(err)
	np, err := f.ProjectCount(opts)
	must(err)
	old := w.projects
	w.projects = nil
	for i := range np.Int64() {
		a, err := f.Projects(opts, big.NewInt(i))
		must(err)
		p := &wproject{addr: a, bens: map[common.Address]*wben{}, vendors: map[common.Address]bool{}, wasVendor: map[common.Address]bool{}}
		for _, o := range old {
			if o.addr == a {
				p.voucherNonce = o.voucherNonce // used nonces are never reused, whatever the branch
			}
		}
		pb := w.project(p)
		p.token, err = pb.Token(opts)
		must(err)
		p.budget, err = pb.TokenBudget(opts)
		must(err)
		p.allocated, err = pb.TotalAllocated(opts)
		must(err)
		for _, person := range w.people {
			reg, err := pb.IsBeneficiary(opts, person)
			must(err)
			alloc, err := pb.Allocation(opts, person)
			must(err)
			if reg || alloc.Sign() > 0 {
				p.bens[person] = &wben{registered: reg, alloc: alloc, reserved: new(big.Int)}
			}
		}
		for v := range vendorKeys {
			va := w.vendorAddr(v)
			p.vendors[va], err = pb.IsVendor(opts, va)
			must(err)
			p.wasVendor[va], err = pb.WasVendor(opts, va)
			must(err)
		}
		nc, err := pb.ClaimCount(opts)
		must(err)
		for id := int64(1); id <= nc.Int64(); id++ {
			c, err := pb.Claims(opts, big.NewInt(id))
			must(err)
			wc := &wclaim{vendor: c.Claimer, ben: c.Claimee, amount: c.Amount, code: codeFor(int(id)), hasCode: c.ExpiresAt != 0, settled: c.Settled}
			p.claims = append(p.claims, wc)
			if b := p.bens[c.Claimee]; b != nil && !c.Settled {
				b.reserved = new(big.Int).Add(b.reserved, c.Amount)
			}
		}
		w.projects = append(w.projects, p)
	}
	clear(w.held)
	clear(w.owners)
	for _, tok := range w.tokens {
		tb := w.token(tok)
		for _, a := range append([]common.Address{w.addrs[keySpare]}, w.addrs[firstVendor:firstVendor+vendorKeys]...) {
			bal, err := tb.BalanceOf(opts, a)
			must(err)
			w.held[[2]common.Address{tok, a}] = bal
		}
		w.owners[tok], err = tb.IsOwner(opts, w.addrs[keySpare])
		must(err)
	}
}
