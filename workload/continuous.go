package workload

import (
	"context"
	"fmt"
	"math"
	"time"
)

// How the continuous phase mixes operations: relative weights of the flows one operation may be.
const (
	weightClaim    = 35
	weightOffline  = 20
	weightWalkIn   = 8
	weightDisburse = 15
	weightRedeem   = 17
	weightRemoval  = 5

	enrolEvery    = 10 // rounds between registrations of new beneficiaries in a project
	enrolSize     = 20 // beneficiaries registered at a time
	vendorEvery   = 15 // rounds between vendor revocations (and re-approvals) in a project
	progressEvery = 10 // rounds between progress logs
)

// continuous plays rounds of about Rate*RoundInterval operations every RoundInterval until ctx ends (or
// Config.Rounds rounds were played). A failed round is logged and the next one starts on time.
func (w *Workload) continuous(ctx context.Context) error {
	ops := max(1, int(math.Round(w.cfg.Rate*w.cfg.RoundInterval.Seconds())))
	w.log.Info("workload continuing", "operations_per_round", ops, "round_interval", w.cfg.RoundInterval)
	ticker := time.NewTicker(w.cfg.RoundInterval)
	defer ticker.Stop()
	for {
		w.rounds++
		if err := w.round(ctx, fmt.Sprintf("round %d", w.rounds), w.planRound(ops), false); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			w.log.Warn("workload round failed", "round", w.rounds, "err", err)
		}
		if w.cfg.Rounds > 0 && w.rounds >= w.cfg.Rounds {
			return nil
		}
		if w.rounds%progressEvery == 0 {
			sum := w.Summary()
			w.log.Info("workload progress", "round", w.rounds, "txs", sum.Transactions, "events", sum.Total(),
				"beneficiaries", sum.Beneficiaries-sum.Removed, "last_block", sum.LastBlock)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

// planRound spreads ops operations over the projects and flows, and schedules the projects' upkeep:
// more budget when allocations run low, new beneficiaries now and then, a vendor revoked and re-approved.
func (w *Workload) planRound(ops int) []roundPlan {
	plans := make([]roundPlan, len(w.projects))
	total := weightClaim + weightOffline + weightWalkIn + weightDisburse + weightRedeem + weightRemoval
	for range ops {
		pl := &plans[w.rng.IntN(len(plans))]
		switch x := w.rng.IntN(total); {
		case x < weightClaim:
			pl.claims++
		case x < weightClaim+weightOffline:
			pl.offline++
		case x < weightClaim+weightOffline+weightWalkIn:
			pl.walkIns++
		case x < weightClaim+weightOffline+weightWalkIn+weightDisburse:
			pl.disburse++
		case x < total-weightRemoval:
			pl.redeem++
		default:
			pl.removals++
		}
	}
	for i, p := range w.projects {
		pl := &plans[i]
		// Stagger the projects' schedules by their index.
		if (w.rounds+i)%enrolEvery == 0 {
			pl.enrol = enrolSize
		}
		low := uint64(len(p.bens)+pl.enrol) * minAllocation / 2
		if p.allocated < low || p.free() < walkInAllowance*4 || pl.enrol > 0 {
			batch := uint64(min(len(p.bens)+pl.enrol, w.cfg.AllocationBatchSize))
			pl.topUp = batch*(minAllocation+maxAllocation)/2 + walkInAllowance*10
		}
		if (w.rounds+i)%vendorEvery == 0 && w.approvedVendors(p) > 1 {
			pl.revocations = 1
		}
		if (w.rounds+i)%vendorEvery == vendorEvery/2 {
			pl.reapprovals = 1
		}
	}
	return plans
}

// approvedVendors counts a project's approved vendors.
func (w *Workload) approvedVendors(p *project) int {
	n := 0
	for _, v := range p.vendors {
		if v.approved {
			n++
		}
	}
	return n
}

// pickRevoked returns a random revoked vendor, or nil.
func (w *Workload) pickRevoked(p *project) *vendor {
	n := len(p.vendors)
	start := w.rng.IntN(n)
	for k := range n {
		if v := p.vendors[(start+k)%n]; !v.approved {
			return v
		}
	}
	return nil
}
