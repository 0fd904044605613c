package workload

import (
	"context"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/rahataid/rahat/contracts"
)

// A code stays valid for an hour and a voucher for a day after the head's timestamp, plenty for a step.
const (
	otpLifetime     = 3600
	voucherLifetime = 86_400
)

// roundPlan is how many of each operation one project performs in a round.
type roundPlan struct {
	claims, offline, walkIns, disburse, redeem, removals, revocations int
	// reapprovals approves this many revoked vendors again (continuous).
	reapprovals int
	// topUp, when positive, mints and pulls this much more budget and tops up low allocations (continuous).
	topUp uint64
	// enrol registers this many new beneficiaries, allocated with the top-up (continuous).
	enrol int
}

// round plays one round of flows over four steps, so that each step depends only on earlier ones:
//
//  1. vendors create claims, settle vouchers and enrol walk-ins; admins disburse; (continuous) the
//     treasury mints more budget and admins register new beneficiaries
//  2. the OTP server adds codes to the claims; vendors approve the tokens they will redeem;
//     (continuous) admins pull the new budget
//  3. vendors process the claims and redeem; admins remove beneficiaries; (continuous) allocate
//  4. admins revoke vendors (and, continuous, approve revoked ones again)
//
// Planning updates the model as if every transaction succeeds, which strict mode enforces.
func (w *Workload) round(ctx context.Context, name string, plans []roundPlan, strict bool) error {
	head, err := w.head(ctx)
	if err != nil {
		return err
	}

	// Step 1.
	var reqs []*txReq
	fresh := make([][]*beneficiary, len(w.projects))
	for i, p := range w.projects {
		pl := plans[i]
		p.claims = p.claims[:0]
		for range pl.claims {
			reqs = appendNonNil(reqs, w.planClaim(p))
		}
		for range pl.offline {
			reqs = appendNonNil(reqs, w.planOffline(p, head.Time+voucherLifetime))
		}
		for range pl.walkIns {
			reqs = appendNonNil(reqs, w.planWalkIn(p))
		}
		for range pl.disburse {
			if b, amount := w.pickBeneficiary(p); b != nil {
				reqs = append(reqs, w.disburse(p, b, amount))
				w.spend(p, b, amount)
			}
		}
		if pl.topUp > 0 {
			reqs = append(reqs, w.mintTokenAndApprove(p, pl.topUp))
		}
		if pl.enrol > 0 {
			fresh[i] = make([]*beneficiary, pl.enrol)
			for j := range fresh[i] {
				fresh[i][j] = w.newBeneficiary(p)
				w.hold(p, fresh[i][j]) // not removed or picked before its allocation in step 3
			}
			reqs = append(reqs, w.register(p, fresh[i])...)
		}
	}
	if _, err := w.s.run(ctx, name+": claims and vouchers", reqs, strict); err != nil {
		return err
	}

	// Step 2. Claims that failed in lenient mode have no id and are dropped here.
	reqs = reqs[:0]
	redemptions := make([][]redemption, len(w.projects))
	for i, p := range w.projects {
		p.claims = slices.DeleteFunc(p.claims, func(c *claim) bool { return c.id == nil })
		for _, c := range p.claims {
			reqs = append(reqs, w.addOtpToClaim(p, c, head.Time+otpLifetime))
		}
		for range plans[i].redeem {
			if rd, ok := w.pickRedemption(p, redemptions[i]); ok {
				redemptions[i] = append(redemptions[i], rd)
				reqs = append(reqs, w.approveProject(p, rd.vendor, rd.amount))
			}
		}
		if plans[i].topUp > 0 {
			reqs = append(reqs, w.increaseTokenBudget(p, plans[i].topUp))
			p.budget += plans[i].topUp
		}
	}
	if _, err := w.s.run(ctx, name+": codes and approvals", reqs, strict); err != nil {
		return err
	}

	// Step 3.
	reqs = reqs[:0]
	for i, p := range w.projects {
		for _, c := range p.claims {
			reqs = append(reqs, w.processClaim(p, c))
			c.vendor.tokens += c.amount
		}
		for _, rd := range redemptions[i] {
			reqs = append(reqs, w.redeem(p, rd.vendor, rd.amount))
			rd.vendor.tokens -= rd.amount
		}
		for range plans[i].removals {
			reqs = appendNonNil(reqs, w.planRemoval(p))
		}
		if plans[i].topUp > 0 || len(fresh[i]) > 0 {
			reqs = append(reqs, w.planTopUp(p, fresh[i])...)
		}
		for _, b := range p.held {
			b.busy = false
		}
		p.held = p.held[:0]
	}
	if _, err := w.s.run(ctx, name+": settle", reqs, strict); err != nil {
		return err
	}

	// Step 4.
	reqs = reqs[:0]
	for i, p := range w.projects {
		for range plans[i].revocations {
			if v := w.pickVendor(p); v != nil {
				v.approved = false
				reqs = append(reqs, w.updateVendor(p, v, false))
			}
		}
		for range plans[i].reapprovals {
			if v := w.pickRevoked(p); v != nil {
				v.approved = true
				reqs = append(reqs, w.updateVendor(p, v, true))
			}
		}
	}
	_, err = w.s.run(ctx, name+": revocations", reqs, strict)
	return err
}

// hold keeps b out of every choice until the end of the round: it has an open claim, or it is being
// registered in this round.
func (w *Workload) hold(p *project, b *beneficiary) {
	b.busy = true
	p.held = append(p.held, b)
}

func appendNonNil(reqs []*txReq, r *txReq) []*txReq {
	if r == nil {
		return reqs
	}
	return append(reqs, r)
}

// pickVendor returns a random approved vendor, or nil.
func (w *Workload) pickVendor(p *project) *vendor {
	n := len(p.vendors)
	start := w.rng.IntN(n)
	for k := range n {
		if v := p.vendors[(start+k)%n]; v.approved {
			return v
		}
	}
	return nil
}

// pickBeneficiary returns a random beneficiary without an open claim and with at least minOperation
// allocated, and an amount to take from it; nil when there is none.
func (w *Workload) pickBeneficiary(p *project) (*beneficiary, uint64) {
	n := len(p.bens)
	if n == 0 {
		return nil, 0
	}
	start := w.rng.IntN(n)
	for k := range n {
		if b := p.bens[(start+k)%n]; !b.busy && b.alloc >= minOperation {
			return b, w.between(minOperation, min(maxOperation, b.alloc))
		}
	}
	return nil, 0
}

// spend lowers a beneficiary's allocation and the project's budget as a settled claim, a voucher or a
// disbursement does.
func (w *Workload) spend(p *project, b *beneficiary, amount uint64) {
	b.alloc -= amount
	p.allocated -= amount
	p.budget -= amount
}

// planClaim opens a claim: created now, its code added and processed in the next steps. The claim's id
// comes from its ClaimCreated log.
func (w *Workload) planClaim(p *project) *txReq {
	v := w.pickVendor(p)
	b, amount := w.pickBeneficiary(p)
	if v == nil || b == nil {
		return nil
	}
	// As the API's OTP server does, the chain gets the code with a salt (contracts.SaltedOtp), drawn
	// here from the workload's seed so that a run replays exactly.
	salt := make([]byte, 16)
	for i := range salt {
		salt[i] = byte(w.salts.IntN(256))
	}
	c := &claim{vendor: v, ben: b, amount: amount, code: contracts.SaltedOtp(fmt.Sprintf("%06d", w.rng.IntN(1_000_000)), salt)}
	w.hold(p, b)
	w.spend(p, b, amount)
	p.claims = append(p.claims, c)
	r := w.createClaim(p, v, b, amount)
	r.done = func(rcpt *types.Receipt) error {
		if len(rcpt.Logs) == 0 || len(rcpt.Logs[0].Topics) < 2 {
			return fmt.Errorf("ClaimCreated log without a claim id")
		}
		c.id = new(big.Int).SetBytes(rcpt.Logs[0].Topics[1].Bytes())
		return nil
	}
	return r
}

// planOffline settles a voucher the beneficiary signed for a vendor.
func (w *Workload) planOffline(p *project, deadline uint64) *txReq {
	v := w.pickVendor(p)
	b, amount := w.pickBeneficiary(p)
	if v == nil || b == nil {
		return nil
	}
	w.spend(p, b, amount)
	v.tokens += amount
	b.nonce++
	return w.processOfflineClaim(p, v, b, amount, b.nonce-1, deadline)
}

// planWalkIn enrols a walk-in with an allocation from the free budget.
func (w *Workload) planWalkIn(p *project) *txReq {
	v := w.pickVendor(p)
	amount := w.between(minOperation*2, p.allowance)
	if v == nil || p.free() < amount {
		return nil
	}
	b := &beneficiary{who: derivedActor(w.cfg.Seed, fmt.Sprintf("walk-in/%d", p.index), p.nextWalk), alloc: amount}
	p.nextWalk++
	p.allocated += amount
	p.bens = append(p.bens, b)
	w.hold(p, b) // registered only once this step is mined
	r := w.addWalkIn(p, v, b, amount)
	r.done = func(*types.Receipt) error {
		w.record(func(s *Summary) { s.Beneficiaries++ })
		return nil
	}
	return r
}

// redemption is a vendor's planned redeemTokens.
type redemption struct {
	vendor *vendor
	amount uint64
}

// pickRedemption chooses a vendor holding tokens (approved or not: former vendors may redeem) that has no
// redemption planned this round, and an amount up to what it holds.
func (w *Workload) pickRedemption(p *project, planned []redemption) (redemption, bool) {
	n := len(p.vendors)
	start := w.rng.IntN(n)
	for k := range n {
		v := p.vendors[(start+k)%n]
		if v.tokens == 0 || slices.ContainsFunc(planned, func(r redemption) bool { return r.vendor == v }) {
			continue
		}
		return redemption{vendor: v, amount: w.between(1, v.tokens)}, true
	}
	return redemption{}, false
}

// planRemoval removes a random beneficiary without an open claim; its allocation returns to the budget.
func (w *Workload) planRemoval(p *project) *txReq {
	n := len(p.bens)
	if n == 0 {
		return nil
	}
	start := w.rng.IntN(n)
	for k := range n {
		i := (start + k) % n
		b := p.bens[i]
		if b.busy {
			continue
		}
		r := w.removeBeneficiary(p, b)
		p.allocated -= b.alloc
		p.bens = slices.Delete(p.bens, i, i+1)
		r.done = func(*types.Receipt) error {
			w.record(func(s *Summary) { s.Removed++ })
			return nil
		}
		return r
	}
	return nil
}

// planTopUp allocates to the new beneficiaries and raises the lowest allocations, within the free budget.
func (w *Workload) planTopUp(p *project, fresh []*beneficiary) []*txReq {
	var bens []*beneficiary
	var amounts []uint64
	free := p.free()
	add := func(b *beneficiary, amount uint64) bool {
		if amount <= b.alloc || amount-b.alloc > free {
			return false
		}
		free -= amount - b.alloc
		bens, amounts = append(bens, b), append(amounts, amount)
		return true
	}
	for _, b := range fresh {
		add(b, w.between(minAllocation, maxAllocation))
	}
	for _, b := range p.bens {
		if len(bens) >= w.cfg.AllocationBatchSize {
			break
		}
		if !b.busy && b.alloc < minAllocation {
			if !add(b, b.alloc+w.between(minAllocation, maxAllocation)) {
				break
			}
		}
	}
	if len(bens) == 0 {
		return nil
	}
	return w.allocateAll(p, bens, amounts)
}
