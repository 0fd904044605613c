package entity

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/indexer"
)

// applyProject runs one RahatProject event. The contract's rules are mirrored exactly: budget
// (tokenBudget) grows by TokenBudgetIncrease and shrinks by every claim and disbursement;
// allocated (totalAllocated) is the sum of the remaining allocations, which TokensAllocated sets
// and claims and disbursements lower.
func (b *batch) applyProject(ctx context.Context, ev *indexer.Event) error {
	blk := int64(ev.BlockNumber)
	pe, p, err := b.project(ctx, ev)
	if err != nil {
		return err
	}
	pChanged := !pe.exists
	switch ev.Name {
	case "BeneficiaryAdded", "BeneficiaryRemoved":
		a, err := addrArg(ev, "", 0)
		if err != nil {
			return err
		}
		k := pair{ev.Address, a}
		e, v, err := b.beneficiary(ctx, k, &p, blk)
		if err != nil {
			return err
		}
		active := ev.Name == "BeneficiaryAdded"
		if v.active != active {
			pChanged = true
			if active {
				p.beneficiaries++
			} else {
				p.beneficiaries--
			}
		}
		v.active = active
		b.bens.put(k, e, blk, v)

	case "TokensAllocated":
		a, amount, err := addrAmount(ev, "beneficiary", 1)
		if err != nil {
			return err
		}
		k := pair{ev.Address, a}
		e, v, err := b.beneficiary(ctx, k, &p, blk)
		if err != nil {
			return err
		}
		p.allocated = add(sub(p.allocated, v.allocation), amount)
		pChanged = true
		v.allocation = amount
		b.bens.put(k, e, blk, v)

	case "TokensDisbursed":
		a, amount, err := addrAmount(ev, "beneficiary", 1)
		if err != nil {
			return err
		}
		k := pair{ev.Address, a}
		e, v, err := b.beneficiary(ctx, k, &p, blk)
		if err != nil {
			return err
		}
		v.allocation, v.disbursed = sub(v.allocation, amount), add(v.disbursed, amount)
		p.allocated, p.budget, p.disbursed = sub(p.allocated, amount), sub(p.budget, amount), add(p.disbursed, amount)
		pChanged = true
		b.bens.put(k, e, blk, v)

	case "ClaimerUpdated":
		a, err := addrArg(ev, "claimer", 0)
		if err != nil {
			return err
		}
		approved, err := boolArg(ev, "approved", 1)
		if err != nil {
			return err
		}
		k := pair{ev.Address, a}
		e, v, err := b.vendor(ctx, k, &p, blk)
		if err != nil {
			return err
		}
		if v.approved != approved {
			pChanged = true
			if approved {
				p.vendors++
			} else {
				p.vendors--
			}
		}
		v.approved = approved
		v.everApproved = v.everApproved || approved
		b.vendors.put(k, e, blk, v)

	case "ClaimCreated":
		if err := b.claimCreated(ctx, ev, &p); err != nil {
			return err
		}
		pChanged = true

	case "OtpAdded":
		if err := b.otpAdded(ctx, ev); err != nil {
			return err
		}

	case "ClaimProcessed":
		if err := b.claimProcessed(ctx, ev, &p); err != nil {
			return err
		}
		pChanged = true

	case "OfflineClaimProcessed":
		ben, ven, amount, err := benVendorAmount(ev)
		if err != nil {
			return err
		}
		tok, err := addrArg(ev, "tokenAddress", 2)
		if err != nil {
			return err
		}
		if err := b.spend(ctx, ev, &p, ben, amount, func(v *beneficiary) { v.offlineClaimed = add(v.offlineClaimed, amount) }); err != nil {
			return err
		}
		if err := b.updateVendor(ctx, &p, pair{ev.Address, ven}, blk, func(v *vendor) {
			v.offline++
			v.offlineClaimed = add(v.offlineClaimed, amount)
		}); err != nil {
			return err
		}
		p.offlineClaimed = add(p.offlineClaimed, amount)
		pChanged = true
		b.offline = append(b.offline, []any{b.chain, ev.Address.Bytes(), ben.Bytes(), ven.Bytes(), tok.Bytes(), num(amount),
			blk, int64(ev.BlockTime), ev.TxHash.Bytes(), int32(ev.LogIndex)})

	case "WalkInBeneficiaryAdded":
		ben, ven, _, err := benVendorAmount(ev)
		if err != nil {
			return err
		}
		k := pair{ev.Address, ben}
		e, v, err := b.beneficiary(ctx, k, &p, blk)
		if err != nil {
			return err
		}
		v.walkIn, v.walkInVendor = true, &ven
		b.bens.put(k, e, blk, v)
		if err := b.updateVendor(ctx, &p, pair{ev.Address, ven}, blk, func(v *vendor) { v.walkIns++ }); err != nil {
			return err
		}
		p.walkIns++
		pChanged = true

	case "TokenBudgetIncrease":
		amount, err := bigArg(ev, "amount", 1)
		if err != nil {
			return err
		}
		p.budget, p.budgetAdded = add(p.budget, amount), add(p.budgetAdded, amount)
		pChanged = true

	case "TokenRedeem":
		ven, amount, err := addrAmount(ev, "vendorAddress", 0)
		if err != nil {
			return err
		}
		tok, err := addrArg(ev, "tokenAddress", 1)
		if err != nil {
			return err
		}
		if err := b.updateVendor(ctx, &p, pair{ev.Address, ven}, blk, func(v *vendor) {
			v.redeems++
			v.redeemed = add(v.redeemed, amount)
		}); err != nil {
			return err
		}
		p.redeemed = add(p.redeemed, amount)
		pChanged = true
		b.redemptions = append(b.redemptions, []any{b.chain, ev.Address.Bytes(), ven.Bytes(), tok.Bytes(), num(amount),
			blk, int64(ev.BlockTime), ev.TxHash.Bytes(), int32(ev.LogIndex)})
	}
	if pChanged {
		b.projects.put(ev.Address, pe, blk, p)
	}
	return nil
}

// addrAmount reads an address parameter and the event's "amount".
func addrAmount(ev *indexer.Event, name string, pos int) (common.Address, *big.Int, error) {
	a, err := addrArg(ev, name, pos)
	if err != nil {
		return a, nil, err
	}
	amount, err := bigArg(ev, "amount", 2)
	return a, amount, err
}

// benVendorAmount reads (beneficiary, vendor, _, amount) of OfflineClaimProcessed and
// WalkInBeneficiaryAdded.
func benVendorAmount(ev *indexer.Event) (ben, ven common.Address, amount *big.Int, err error) {
	if ben, err = addrArg(ev, "beneficiary", 0); err != nil {
		return
	}
	if ven, err = addrArg(ev, "vendor", 1); err != nil {
		return
	}
	amount, err = bigArg(ev, "amount", 3)
	return
}

// spend takes amount out of a beneficiary's allocation and the project's budget, as the
// contract's _spend does, and lets f record where it went.
func (b *batch) spend(ctx context.Context, ev *indexer.Event, p *project, ben common.Address, amount *big.Int, f func(*beneficiary)) error {
	blk := int64(ev.BlockNumber)
	k := pair{ev.Address, ben}
	e, v, err := b.beneficiary(ctx, k, p, blk)
	if err != nil {
		return err
	}
	v.allocation = sub(v.allocation, amount)
	f(&v)
	b.bens.put(k, e, blk, v)
	p.allocated, p.budget = sub(p.allocated, amount), sub(p.budget, amount)
	return nil
}

func (b *batch) updateVendor(ctx context.Context, p *project, k pair, blk int64, f func(*vendor)) error {
	e, v, err := b.vendor(ctx, k, p, blk)
	if err != nil {
		return err
	}
	f(&v)
	b.vendors.put(k, e, blk, v)
	return nil
}

func (b *batch) claimCreated(ctx context.Context, ev *indexer.Event, p *project) error {
	blk := int64(ev.BlockNumber)
	id, err := bigArg(ev, "claimId", 0)
	if err != nil {
		return err
	}
	var addrs [4]common.Address
	for i, n := range []string{"claimer", "claimee", "token", "otpServer"} {
		if addrs[i], err = addrArg(ev, n, i+1); err != nil {
			return err
		}
	}
	amount, err := bigArg(ev, "amount", 5)
	if err != nil {
		return err
	}
	k := newClaimKey(ev.Address, id)
	e, err := b.claims.get(ctx, b.tx, b.chain, k)
	if err != nil {
		return err
	}
	b.claims.put(k, e, blk, claim{claimer: addrs[0], claimee: addrs[1], token: addrs[2], otpServer: addrs[3],
		amount: amount, state: stateCreated, createdBlock: blk, createdAt: int64(ev.BlockTime), createdTx: ev.TxHash})
	if err := b.updateVendor(ctx, p, pair{ev.Address, addrs[0]}, blk, func(v *vendor) { v.claims++ }); err != nil {
		return err
	}
	bk := pair{ev.Address, addrs[1]}
	be, bv, err := b.beneficiary(ctx, bk, p, blk)
	if err != nil {
		return err
	}
	bv.claims++
	b.bens.put(bk, be, blk, bv)
	p.claims++
	return nil
}

func (b *batch) otpAdded(ctx context.Context, ev *indexer.Event) error {
	ben, err := addrArg(ev, "beneficiary", 0)
	if err != nil {
		return err
	}
	amount, err := bigArg(ev, "amount", 2)
	if err != nil {
		return err
	}
	h, err := hashArg(ev, "otpHash", 3)
	if err != nil {
		return err
	}
	k, call, ok, err := b.resolveClaim(ctx, ev, ben, nil, amount, &h)
	if err != nil {
		return err
	}
	if !ok {
		b.h.log.Warn("OtpAdded matches no known claim; ignored", "chain_id", b.chain, "project", ev.Address,
			"block", ev.BlockNumber, "log_index", ev.LogIndex)
		return nil
	}
	e, err := b.claims.get(ctx, b.tx, b.chain, k)
	if err != nil {
		return err
	}
	if !e.exists {
		b.h.log.Warn("OtpAdded for a claim created before the indexed range; ignored", "chain_id", b.chain,
			"project", ev.Address, "claim_id", k.idBig(), "block", ev.BlockNumber)
		return nil
	}
	v := e.val
	v.state, v.otpHash, v.codes = stateCodeAdded, &h, v.codes+1
	v.expiresAt = nil
	if call.Found {
		exp := clampInt64(call.ExpiresAt)
		v.expiresAt = &exp
	}
	at := int64(ev.BlockTime)
	v.codeAddedAt = &at
	b.claims.put(k, e, int64(ev.BlockNumber), v)
	return nil
}

func (b *batch) claimProcessed(ctx context.Context, ev *indexer.Event, p *project) error {
	blk := int64(ev.BlockNumber)
	ben, err := addrArg(ev, "beneficiary", 0)
	if err != nil {
		return err
	}
	ven, err := addrArg(ev, "claimer", 1)
	if err != nil {
		return err
	}
	amount, err := bigArg(ev, "amount", 3)
	if err != nil {
		return err
	}
	if err := b.spend(ctx, ev, p, ben, amount, func(v *beneficiary) { v.claimed = add(v.claimed, amount) }); err != nil {
		return err
	}
	if err := b.updateVendor(ctx, p, pair{ev.Address, ven}, blk, func(v *vendor) {
		v.processed++
		v.claimed = add(v.claimed, amount)
	}); err != nil {
		return err
	}
	p.claimed = add(p.claimed, amount)
	k, _, ok, err := b.resolveClaim(ctx, ev, ben, &ven, amount, nil)
	if err != nil {
		return err
	}
	var e *entry[claim]
	if ok {
		if e, err = b.claims.get(ctx, b.tx, b.chain, k); err != nil {
			return err
		}
	}
	if e == nil || !e.exists {
		b.h.log.Warn("ClaimProcessed matches no known claim; totals updated, claim not", "chain_id", b.chain,
			"project", ev.Address, "block", ev.BlockNumber, "log_index", ev.LogIndex)
		return nil
	}
	v := e.val
	at, tx := int64(ev.BlockTime), ev.TxHash
	v.state, v.processedBlock, v.processedAt, v.processedTx = stateProcessed, &blk, &at, &tx
	b.claims.put(k, e, blk, v)
	return nil
}
