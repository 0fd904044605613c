package workload

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/contracts"
)

// abis are the parsed ABIs of the four contracts.
type abis struct {
	token, treasury, factory, project abi.ABI
}

func loadABIs() (abis, error) {
	var a abis
	for _, x := range []struct {
		name string
		dst  *abi.ABI
	}{
		{contracts.RahatToken, &a.token}, {contracts.RahatTreasury, &a.treasury},
		{contracts.RahatProjectFactory, &a.factory}, {contracts.RahatProject, &a.project},
	} {
		parsed, err := contracts.ABI(x.name)
		if err != nil {
			return abis{}, fmt.Errorf("reading ABI of %s: %w", x.name, err)
		}
		*x.dst = parsed
	}
	return a, nil
}

// Event keys, by contract.
func tokenEv(name string) EventKey { return EventKey{Contract: contracts.RahatToken, Event: name} }
func treasuryEv(name string) EventKey {
	return EventKey{Contract: contracts.RahatTreasury, Event: name}
}
func factoryEv(name string) EventKey {
	return EventKey{Contract: contracts.RahatProjectFactory, Event: name}
}
func projectEv(name string) EventKey { return EventKey{Contract: contracts.RahatProject, Event: name} }

// repeat returns n copies of k.
func repeat(k EventKey, n int) []EventKey {
	out := make([]EventKey, n)
	for i := range out {
		out[i] = k
	}
	return out
}

// call packs a contract call into a request; a packing error is kept in the request and fails its step.
func call(from *actor, to common.Address, a *abi.ABI, what string, events []EventKey, method string, args ...any) *txReq {
	r := &txReq{from: from, to: &to, what: what, events: events}
	r.data, r.err = a.Pack(method, args...)
	if r.err != nil {
		r.err = fmt.Errorf("packing %s: %w", method, r.err)
	}
	return r
}

// transfer sends ether; an ether transfer to an account without code always costs 21,000 gas.
func transfer(from *actor, to common.Address, amount *big.Int, what string) *txReq {
	return &txReq{from: from, to: &to, value: amount, gas: 21_000, what: what}
}

// units converts whole tokens to the token's smallest unit.
func (w *Workload) units(whole uint64) *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(whole), w.unit)
}

// ----- treasury and factory (sent by the deployer) -----

func (w *Workload) createToken(name, symbol string) *txReq {
	return call(w.admin, w.d.Treasury, &w.abi.treasury, "createToken "+symbol,
		[]EventKey{tokenEv("OwnerAdded"), treasuryEv("TokenCreated")},
		"createToken", name, symbol, w.cfg.Decimals)
}

func (w *Workload) addTokenOwner(t *token, account common.Address) *txReq {
	return call(w.admin, w.d.Treasury, &w.abi.treasury, "addTokenOwner "+t.symbol,
		[]EventKey{tokenEv("OwnerAdded")}, "addTokenOwner", t.addr, account)
}

func (w *Workload) removeTokenOwner(t *token, account common.Address) *txReq {
	return call(w.admin, w.d.Treasury, &w.abi.treasury, "removeTokenOwner "+t.symbol,
		[]EventKey{tokenEv("OwnerRemoved")}, "removeTokenOwner", t.addr, account)
}

func (w *Workload) mintTokenAndApprove(p *project, amount uint64) *txReq {
	return call(w.admin, w.d.Treasury, &w.abi.treasury, fmt.Sprintf("mintTokenAndApprove project#%d", p.index),
		[]EventKey{tokenEv("Transfer"), tokenEv("Approval"), treasuryEv("TokenMintedAndApproved")},
		"mintTokenAndApprove", p.token.addr, p.addr, w.units(amount))
}

func (w *Workload) mintTokenAndSend(p *project, amount uint64) *txReq {
	return call(w.admin, w.d.Treasury, &w.abi.treasury, fmt.Sprintf("mintTokenAndSend project#%d", p.index),
		[]EventKey{tokenEv("Transfer"), treasuryEv("TokenMintedAndSent")},
		"mintTokenAndSend", p.token.addr, p.addr, w.units(amount))
}

func (w *Workload) createProject(name string, t *token, admin *actor) *txReq {
	return call(w.admin, w.d.ProjectFactory, &w.abi.factory, "createProject "+name,
		[]EventKey{factoryEv("ProjectCreated")}, "createProject", name, t.addr, admin.addr, w.otp.addr)
}

// ----- project administration (sent by the project's admin) -----

func (w *Workload) projectCall(p *project, from *actor, what string, events []EventKey, method string, args ...any) *txReq {
	return call(from, p.addr, &w.abi.project, fmt.Sprintf("%s project#%d", what, p.index), events, method, args...)
}

func (w *Workload) addBeneficiaries(p *project, bens []*beneficiary) *txReq {
	addrs := make([]common.Address, len(bens))
	for i, b := range bens {
		addrs[i] = b.who.addr
	}
	return w.projectCall(p, p.admin, fmt.Sprintf("addBeneficiaries(%d)", len(bens)),
		repeat(projectEv("BeneficiaryAdded"), len(bens)), "addBeneficiaries", addrs)
}

// allocate sets each beneficiary's allocation to amounts[i] whole tokens.
func (w *Workload) allocate(p *project, bens []*beneficiary, amounts []uint64) *txReq {
	addrs := make([]common.Address, len(bens))
	units := make([]*big.Int, len(bens))
	for i, b := range bens {
		addrs[i], units[i] = b.who.addr, w.units(amounts[i])
	}
	return w.projectCall(p, p.admin, fmt.Sprintf("allocateTokensBatch(%d)", len(bens)),
		repeat(projectEv("TokensAllocated"), len(bens)), "allocateTokensBatch", addrs, units)
}

func (w *Workload) updateVendor(p *project, v *vendor, approved bool) *txReq {
	return w.projectCall(p, p.admin, fmt.Sprintf("updateVendor(%s, %t)", v.who.name, approved),
		[]EventKey{projectEv("ClaimerUpdated")}, "updateVendor", v.who.addr, approved)
}

func (w *Workload) setWalkInAllowance(p *project, amount uint64) *txReq {
	return w.projectCall(p, p.admin, "setWalkInAllowance", nil, "setWalkInAllowance", w.units(amount))
}

func (w *Workload) increaseTokenBudget(p *project, amount uint64) *txReq {
	return w.projectCall(p, p.admin, "increaseTokenBudget",
		[]EventKey{tokenEv("Transfer"), projectEv("TokenBudgetIncrease")},
		"increaseTokenBudget", w.d.Treasury, w.units(amount))
}

func (w *Workload) syncTokenBudget(p *project) *txReq {
	return w.projectCall(p, p.admin, "syncTokenBudget", []EventKey{projectEv("TokenBudgetIncrease")}, "syncTokenBudget")
}

func (w *Workload) disburse(p *project, b *beneficiary, amount uint64) *txReq {
	return w.projectCall(p, p.admin, "disburseTokens", []EventKey{tokenEv("Transfer"), projectEv("TokensDisbursed")},
		"disburseTokens", b.who.addr, w.units(amount))
}

// removeBeneficiary announces a remaining allocation's return (TokensAllocated to zero) before the removal.
func (w *Workload) removeBeneficiary(p *project, b *beneficiary) *txReq {
	events := []EventKey{projectEv("BeneficiaryRemoved")}
	if b.alloc > 0 {
		events = append([]EventKey{projectEv("TokensAllocated")}, events...)
	}
	return w.projectCall(p, p.admin, "removeBeneficiary", events, "removeBeneficiary", b.who.addr)
}

// ----- vendors and the OTP server -----

func (w *Workload) createClaim(p *project, v *vendor, b *beneficiary, amount uint64) *txReq {
	return w.projectCall(p, v.who, "createClaim", []EventKey{projectEv("ClaimCreated")},
		"createClaim", b.who.addr, w.units(amount))
}

func (w *Workload) addOtpToClaim(p *project, c *claim, expiresAt uint64) *txReq {
	return w.projectCall(p, w.otp, fmt.Sprintf("addOtpToClaim(%s)", c.id), []EventKey{projectEv("OtpAdded")},
		"addOtpToClaim", c.id, contracts.OtpHash(c.code), expiresAt)
}

func (w *Workload) processClaim(p *project, c *claim) *txReq {
	return w.projectCall(p, c.vendor.who, fmt.Sprintf("processClaim(%s)", c.id),
		[]EventKey{projectEv("OtpVerified"), tokenEv("Transfer"), projectEv("ClaimProcessed")},
		"processClaim", c.id, c.code)
}

func (w *Workload) processOfflineClaim(p *project, v *vendor, b *beneficiary, amount, nonce, deadline uint64) *txReq {
	voucher := contracts.OfflineVoucher{
		ChainID: w.s.chainID, Project: p.addr, Beneficiary: b.who.addr, Vendor: v.who.addr,
		Amount: w.units(amount), Nonce: new(big.Int).SetUint64(nonce), Deadline: new(big.Int).SetUint64(deadline),
	}
	sig, err := voucher.Sign(b.who.key)
	if err != nil {
		return &txReq{from: v.who, what: "processOfflineClaim", err: err}
	}
	return w.projectCall(p, v.who, "processOfflineClaim", []EventKey{tokenEv("Transfer"), projectEv("OfflineClaimProcessed")},
		"processOfflineClaim", b.who.addr, voucher.Amount, voucher.Nonce, voucher.Deadline, sig)
}

func (w *Workload) addWalkIn(p *project, v *vendor, b *beneficiary, amount uint64) *txReq {
	return w.projectCall(p, v.who, "addWalkInBeneficiary",
		[]EventKey{projectEv("BeneficiaryAdded"), projectEv("TokensAllocated"), projectEv("WalkInBeneficiaryAdded")},
		"addWalkInBeneficiary", b.who.addr, w.units(amount))
}

// approveProject lets the project burn amount of the vendor's tokens (for redeemTokens).
func (w *Workload) approveProject(p *project, v *vendor, amount uint64) *txReq {
	return call(v.who, p.token.addr, &w.abi.token, fmt.Sprintf("approve project#%d by %s", p.index, v.who.name),
		[]EventKey{tokenEv("Approval")}, "approve", p.addr, w.units(amount))
}

func (w *Workload) redeem(p *project, v *vendor, amount uint64) *txReq {
	return w.projectCall(p, v.who, "redeemTokens", []EventKey{tokenEv("Transfer"), projectEv("TokenRedeem")},
		"redeemTokens", w.units(amount))
}
