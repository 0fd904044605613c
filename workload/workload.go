package workload

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Workload plays an aid programme on a deployment. It keeps a model of the contracts' state (budgets,
// allocations, vendors' tokens, open claims) to choose only operations that succeed. It is not safe for
// concurrent use, except for Summary.
type Workload struct {
	cfg Config
	d   *Deployment
	s   *sender
	log *slog.Logger
	rng *rand.Rand
	// salts draws the claim codes' salts apart from rng, so that salting left every other draw of
	// a seed's run as it was.
	salts *rand.Rand
	abi   abis
	unit  *big.Int // 10^Decimals

	admin      *actor // the deployer: treasury and factory admin, pays for gas
	otp        *actor // the OTP server of every project
	tokenOwner *actor // made a token owner and removed again, to exercise OwnerAdded/OwnerRemoved

	tokens   []*token
	projects []*project
	rounds   int
	bulk     *token // the token Bulk mints, created on first use
	started  time.Time
}

// token is a token created by the treasury.
type token struct {
	index        int
	addr         common.Address
	name, symbol string
}

// project is the model of one RahatProject. Amounts are whole tokens and reflect every transaction
// planned so far (planning runs ahead of the chain by at most one step).
type project struct {
	index     int
	addr      common.Address
	token     *token
	admin     *actor
	vendors   []*vendor
	bens      []*beneficiary // registered, in registration order
	nextBen   int            // derivation index of the next beneficiary
	nextWalk  int            // derivation index of the next walk-in
	budget    uint64         // tokenBudget
	allocated uint64         // totalAllocated
	allowance uint64         // walkInAllowance
	claims    []*claim       // claims of the current round
	held      []*beneficiary // beneficiaries kept out of choices until the end of the round (see hold)
}

// free is the budget not allocated.
func (p *project) free() uint64 { return p.budget - p.allocated }

// beneficiary is a registered beneficiary; its key signs offline vouchers.
type beneficiary struct {
	who   *actor
	alloc uint64 // remaining allocation
	nonce uint64 // next offline voucher nonce
	busy  bool   // held for the rest of the round: not picked, removed or re-allocated
}

// vendor is an account a project approved at some point.
type vendor struct {
	who      *actor
	approved bool
	tokens   uint64 // tokens received from claims and vouchers, not yet redeemed
}

// claim is a one-time-code claim of the current round.
type claim struct {
	id     *big.Int
	vendor *vendor
	ben    *beneficiary
	amount uint64
	code   string
}

// New prepares a workload on deployment d. admin must be the deployment's admin (the deployer key); it
// also pays for everything. New only reads the chain id; Run and Bulk send transactions.
func New(ctx context.Context, b Backend, d *Deployment, admin *ecdsa.PrivateKey, cfg Config, opts Options) (*Workload, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d == nil || admin == nil {
		return nil, errors.New("workload: a deployment and its admin key are required")
	}
	s, err := newSender(ctx, b, opts)
	if err != nil {
		return nil, err
	}
	if s.chainID.Uint64() != d.ChainID {
		return nil, fmt.Errorf("workload: chain id %s, deployment is on %d", s.chainID, d.ChainID)
	}
	s.funder, s.minTopUp = newActor("deployer", admin), cfg.Fund
	a, err := loadABIs()
	if err != nil {
		return nil, err
	}
	return &Workload{
		cfg: cfg, d: d, s: s, log: s.log.With("component", "workload", "seed", cfg.Seed), abi: a,
		rng:        rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5241484154)), // "RAHAT"
		salts:      rand.New(rand.NewPCG(uint64(cfg.Seed), 0x53414c54)),   // "SALT"
		unit:       new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(cfg.Decimals)), nil),
		admin:      s.funder,
		otp:        derivedActor(cfg.Seed, "otp-server", 0),
		tokenOwner: derivedActor(cfg.Seed, "token-owner", 0),
	}, nil
}

// Summary returns what the workload has done so far. It is safe to call while Run is running.
func (w *Workload) Summary() Summary {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	sum := w.s.summary.clone()
	if !w.started.IsZero() {
		sum.Elapsed = time.Since(w.started)
	}
	return sum
}

// Run plays the programme: setup (tokens, projects, funding, beneficiaries, vendors, allocations), then one
// pass of every flow with the configured counts. Any revert or unexpected log is an error. With
// Config.Continuous it then plays rounds until ctx ends, logging failures instead of stopping, and returns
// the summary with ctx's error (or nil after Config.Rounds rounds).
func (w *Workload) Run(ctx context.Context) (Summary, error) {
	if w.started.IsZero() {
		w.started = time.Now()
	}
	w.log.Info("workload starting", "tokens", w.cfg.Tokens, "projects", w.cfg.Projects,
		"beneficiaries_per_project", w.cfg.BeneficiariesPerProject, "vendors_per_project", w.cfg.VendorsPerProject)
	if err := w.setup(ctx); err != nil {
		return w.Summary(), err
	}
	plans := make([]roundPlan, len(w.projects))
	for i := range plans {
		plans[i] = roundPlan{claims: w.cfg.Claims, offline: w.cfg.OfflineClaims, walkIns: w.cfg.WalkIns,
			disburse: w.cfg.Disbursements, redeem: w.cfg.Redemptions, removals: w.cfg.Removals,
			revocations: w.cfg.VendorRevocations}
	}
	if err := w.round(ctx, "flows", plans, true); err != nil {
		return w.Summary(), err
	}
	sum := w.Summary()
	w.log.Info("workload programme done", "txs", sum.Transactions, "events", sum.Total(),
		"blocks", fmt.Sprintf("%d-%d", sum.FirstBlock, sum.LastBlock), "took", sum.Elapsed.Round(time.Millisecond))
	if !w.cfg.Continuous {
		return sum, nil
	}
	err := w.continuous(ctx)
	return w.Summary(), err
}

// head returns the latest header, for timestamps.
func (w *Workload) head(ctx context.Context) (*types.Header, error) {
	h, err := w.s.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reading head: %w", err)
	}
	return h, nil
}

// between returns a uniform draw from [lo, hi]; hi < lo yields lo.
func (w *Workload) between(lo, hi uint64) uint64 {
	if hi <= lo {
		return lo
	}
	return lo + w.rng.Uint64N(hi-lo+1)
}

// newBeneficiary derives the project's next beneficiary (not yet registered).
func (w *Workload) newBeneficiary(p *project) *beneficiary {
	b := &beneficiary{who: derivedActor(w.cfg.Seed, fmt.Sprintf("beneficiary/%d", p.index), p.nextBen)}
	p.nextBen++
	return b
}

// topicAddress reads an indexed address parameter of a log.
func topicAddress(r *types.Receipt, logIndex, topic int) (common.Address, error) {
	if logIndex >= len(r.Logs) || topic >= len(r.Logs[logIndex].Topics) {
		return common.Address{}, fmt.Errorf("receipt lacks log %d topic %d", logIndex, topic)
	}
	return common.BytesToAddress(r.Logs[logIndex].Topics[topic].Bytes()), nil
}
