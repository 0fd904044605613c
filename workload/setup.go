package workload

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/core/types"
)

// Amounts, in whole tokens.
const (
	minAllocation   = 100
	maxAllocation   = 1_000
	walkInAllowance = 50
	minOperation    = 5  // smallest claim, voucher or disbursement
	maxOperation    = 50 // largest claim, voucher or disbursement
)

// districts name the projects, for dashboards that show them.
var districts = [...]string{"Saptari", "Siraha", "Bardiya", "Kailali", "Jhapa", "Morang", "Dhanusha", "Mahottari", "Banke", "Rautahat"}

// record updates the summary under its lock.
func (w *Workload) record(f func(s *Summary)) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	f(&w.s.summary)
}

// setup creates and funds the tokens and projects and registers, approves and allocates.
func (w *Workload) setup(ctx context.Context) error {
	// Tokens.
	var reqs []*txReq
	first := len(w.tokens)
	for i := range w.cfg.Tokens {
		t := &token{index: first + i, name: fmt.Sprintf("Rahat Aid Voucher %d", first+i+1), symbol: fmt.Sprintf("RAV%d", first+i+1)}
		r := w.createToken(t.name, t.symbol)
		r.done = func(rcpt *types.Receipt) error {
			addr, err := topicAddress(rcpt, 1, 1)
			if err != nil {
				return err
			}
			t.addr = addr
			w.tokens = append(w.tokens, t)
			w.record(func(s *Summary) { s.Tokens = append(s.Tokens, addr) })
			return nil
		}
		reqs = append(reqs, r)
	}
	if _, err := w.s.run(ctx, "create tokens", reqs, true); err != nil {
		return err
	}
	newTokens := w.tokens[first:]

	// Projects, and a passing extra owner for each token.
	reqs = reqs[:0]
	firstProject := len(w.projects)
	for i := range w.cfg.Projects {
		idx := firstProject + i
		p := &project{
			index: idx, token: newTokens[i%len(newTokens)], allowance: walkInAllowance,
			admin: derivedActor(w.cfg.Seed, "project-admin", idx),
		}
		for v := range w.cfg.VendorsPerProject {
			p.vendors = append(p.vendors, &vendor{who: derivedActor(w.cfg.Seed, fmt.Sprintf("vendor/%d", idx), v)})
		}
		name := fmt.Sprintf("%s cash assistance %d", districts[idx%len(districts)], idx+1)
		r := w.createProject(name, p.token, p.admin)
		r.done = func(rcpt *types.Receipt) error {
			addr, err := topicAddress(rcpt, 0, 1)
			if err != nil {
				return err
			}
			p.addr = addr
			w.projects = append(w.projects, p)
			w.record(func(s *Summary) { s.Projects = append(s.Projects, addr) })
			return nil
		}
		reqs = append(reqs, r)
	}
	for _, t := range newTokens {
		reqs = append(reqs, w.addTokenOwner(t, w.tokenOwner.addr))
	}
	if _, err := w.s.run(ctx, "create projects", reqs, true); err != nil {
		return err
	}
	newProjects := w.projects[firstProject:]

	// Funding, vendors, registrations. Each project's allocations are drawn now so that the treasury mints
	// exactly what they need (approve path) plus a reserve for walk-ins (send path).
	reqs = reqs[:0]
	plans := make([][]uint64, len(newProjects))
	pulls := make([]uint64, len(newProjects))
	for i, p := range newProjects {
		bens := make([]*beneficiary, w.cfg.BeneficiariesPerProject)
		plans[i] = make([]uint64, len(bens))
		for j := range bens {
			bens[j] = w.newBeneficiary(p)
			plans[i][j] = w.between(minAllocation, maxAllocation)
			pulls[i] += plans[i][j]
		}
		reserve := max(walkInAllowance*uint64(w.cfg.WalkIns+2), pulls[i]/10)
		reqs = append(reqs, w.mintTokenAndApprove(p, pulls[i]), w.mintTokenAndSend(p, reserve))
		p.budget += reserve // counted once syncTokenBudget runs in the next step
		reqs = append(reqs, w.setWalkInAllowance(p, p.allowance))
		for _, v := range p.vendors {
			reqs = append(reqs, w.updateVendor(p, v, true))
			v.approved = true
		}
		reqs = append(reqs, w.register(p, bens)...)
	}
	for _, t := range newTokens {
		reqs = append(reqs, w.removeTokenOwner(t, w.tokenOwner.addr))
	}
	if _, err := w.s.run(ctx, "fund and register", reqs, true); err != nil {
		return err
	}

	// Budgets: pull the approved tokens, recognise the sent ones.
	reqs = reqs[:0]
	for i, p := range newProjects {
		reqs = append(reqs, w.increaseTokenBudget(p, pulls[i]), w.syncTokenBudget(p))
		p.budget += pulls[i]
	}
	if _, err := w.s.run(ctx, "budgets", reqs, true); err != nil {
		return err
	}

	// Allocations, in batches.
	reqs = reqs[:0]
	for i, p := range newProjects {
		reqs = append(reqs, w.allocateAll(p, p.bens, plans[i])...)
	}
	_, err := w.s.run(ctx, "allocate", reqs, true)
	return err
}

// register adds bens to p in batches of BatchSize.
func (w *Workload) register(p *project, bens []*beneficiary) []*txReq {
	var reqs []*txReq
	for lo := 0; lo < len(bens); lo += w.cfg.BatchSize {
		part := bens[lo:min(lo+w.cfg.BatchSize, len(bens))]
		r := w.addBeneficiaries(p, part)
		r.done = func(*types.Receipt) error {
			w.record(func(s *Summary) { s.Beneficiaries += len(part) })
			return nil
		}
		reqs = append(reqs, r)
	}
	p.bens = append(p.bens, bens...)
	return reqs
}

// allocateAll sets bens' allocations to amounts in batches of AllocationBatchSize and updates the model.
func (w *Workload) allocateAll(p *project, bens []*beneficiary, amounts []uint64) []*txReq {
	var reqs []*txReq
	for lo := 0; lo < len(bens); lo += w.cfg.AllocationBatchSize {
		hi := min(lo+w.cfg.AllocationBatchSize, len(bens))
		reqs = append(reqs, w.allocate(p, bens[lo:hi], amounts[lo:hi]))
	}
	for i, b := range bens {
		p.allocated = p.allocated - b.alloc + amounts[i]
		b.alloc = amounts[i]
	}
	return reqs
}
