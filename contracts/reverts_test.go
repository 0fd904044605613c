package contracts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
)

// revertWorld is a project in mid-flight with claims in every state, for TestReverts.
type revertWorld struct {
	*world
	vendor2, revoked actor
	removed          actor // a beneficiary removed after a claim was made for them
	unfunded         *bindings.RahatProject
	soloToken        common.Address // a token whose only owner is the treasury
	usedSig          []byte
	usedVoucher      contracts.OfflineVoucher
	deadline         uint64
}

// Claim ids in revertWorld.
const (
	claimSettled  = 1 // processed with code "111111"
	claimExpiring = 2 // code "222222", expired by the time the cases run
	claimNoOtp    = 3 // no code yet
	claimOpen     = 4 // code "444444", valid for an hour
	claimRevoked  = 5 // by the revoked vendor, code "555555"
	claimRemoved  = 6 // for the removed beneficiary, code "666666"
)

func setupReverts(t *testing.T) *revertWorld {
	t.Helper()
	w := &revertWorld{world: setup(t, 3)}
	w.vendor2, w.revoked, w.removed = w.bens[1], w.bens[2], newActor(t, "removed")
	b0 := w.bens[0]
	admin := w.projectAdmin
	w.fund(10_000)
	w.send(admin, "addBeneficiaries", func(o *opts) (*txn, error) {
		return w.project.AddBeneficiaries(o, addrs(b0, w.removed))
	})
	w.send(admin, "allocateTokensBatch", func(o *opts) (*txn, error) {
		return w.project.AllocateTokensBatch(o, addrs(b0, w.removed), amounts(1_000, 200))
	})
	for _, v := range []actor{w.vendor, w.vendor2, w.revoked} {
		w.send(admin, "updateVendor", func(o *opts) (*txn, error) {
			return w.project.UpdateVendor(o, v.addr, true)
		})
	}
	w.send(w.deployer, "addTokenOwner", func(o *opts) (*txn, error) {
		return w.treasury.AddTokenOwner(o, w.tokenAddr, w.deployer.addr)
	})
	w.send(admin, "setWalkInAllowance", func(o *opts) (*txn, error) {
		return w.project.SetWalkInAllowance(o, bn(20_000))
	})

	now := w.now()
	claims := []struct {
		vendor actor
		ben    actor
		code   string
		expiry uint64
	}{
		claimSettled - 1:  {w.vendor, b0, "111111", now + 3600},
		claimExpiring - 1: {w.vendor, b0, "222222", now + 60},
		claimNoOtp - 1:    {w.vendor, b0, "", 0},
		claimOpen - 1:     {w.vendor, b0, "444444", now + 3600},
		claimRevoked - 1:  {w.revoked, b0, "555555", now + 3600},
		claimRemoved - 1:  {w.vendor, w.removed, "666666", now + 3600},
	}
	for i, c := range claims {
		w.send(c.vendor, "createClaim", func(o *opts) (*txn, error) {
			return w.project.CreateClaim(o, c.ben.addr, bn(100))
		})
		if c.code != "" {
			w.send(w.otp, "addOtpToClaim", func(o *opts) (*txn, error) {
				return w.project.AddOtpToClaim(o, bn(int64(i+1)), contracts.OtpHash(c.code), c.expiry)
			})
		}
	}
	w.send(w.vendor, "processClaim", func(o *opts) (*txn, error) {
		return w.project.ProcessClaim(o, bn(claimSettled), "111111")
	})
	w.send(admin, "updateVendor (revoke)", func(o *opts) (*txn, error) {
		return w.project.UpdateVendor(o, w.revoked.addr, false)
	})
	w.send(admin, "removeBeneficiary", func(o *opts) (*txn, error) {
		return w.project.RemoveBeneficiary(o, w.removed.addr)
	})

	w.deadline = now + 7200
	w.usedVoucher = w.voucher(b0, w.vendor, 50, 1, w.deadline)
	var err error
	if w.usedSig, err = w.usedVoucher.Sign(b0.key); err != nil {
		t.Fatal(err)
	}
	w.send(w.vendor, "processOfflineClaim", func(o *opts) (*txn, error) {
		v := w.usedVoucher
		return w.project.ProcessOfflineClaim(o, v.Beneficiary, v.Amount, v.Nonce, v.Deadline, w.usedSig)
	})

	// A second project without an OTP server, nor budget.
	addr, p := w.createProject("No OTP", w.tokenAddr, admin.addr, common.Address{})
	w.send(admin, "updateVendor on the second project", func(o *opts) (*txn, error) {
		return p.UpdateVendor(o, w.vendor.addr, true)
	})
	w.send(admin, "addBeneficiary on the second project", func(o *opts) (*txn, error) {
		return p.AddBeneficiary(o, b0.addr)
	})
	_ = addr
	w.unfunded = p

	w.soloToken, _ = w.createToken("Solo", "SOLO", 0)

	// Expire claimExpiring's code; everything else stays valid.
	w.advance(2 * time.Minute)
	return w
}

// sign signs a voucher of b0 for the vendor with key's owner.
func (w *revertWorld) sign(signer actor, amount, nonce int64, deadline uint64) (contracts.OfflineVoucher, []byte) {
	w.t.Helper()
	v := w.voucher(w.bens[0], w.vendor, amount, nonce, deadline)
	sig, err := v.Sign(signer.key)
	if err != nil {
		w.t.Fatal(err)
	}
	return v, sig
}

// TestReverts checks every way a call is refused. Reverted calls never reach the chain (gas estimation
// fails), so the cases share one world and run in order.
func TestReverts(t *testing.T) {
	t.Parallel()
	w := setupReverts(t)
	p, tr, f, tok := w.project, w.treasury, w.factory, w.token
	b0, admin, vendor, otp, outsider := w.bens[0], w.projectAdmin, w.vendor, w.otp, w.outsider
	type call = func(*opts) (*txn, error)
	offline := func(v contracts.OfflineVoucher, sig []byte) call {
		return func(o *opts) (*txn, error) {
			return p.ProcessOfflineClaim(o, v.Beneficiary, v.Amount, v.Nonce, v.Deadline, sig)
		}
	}
	strangerVoucher, strangerSig := w.sign(outsider, 10, 2, w.deadline)
	expiredVoucher, expiredSig := w.sign(b0, 10, 3, w.now()-1)
	tampered, tamperedSig := w.sign(b0, 10, 4, w.deadline)
	tampered.Amount = bn(11)
	bigVoucher, bigSig := w.sign(b0, 5_000, 5, w.deadline)
	wrongVendorVoucher, wrongVendorSig := w.sign(b0, 10, 6, w.deadline) // signed for vendor, sent by vendor2

	tests := []struct {
		name string
		as   actor
		want string
		call call
	}{
		// RahatToken
		{"token: mint by non-owner", outsider, "NotOwner", func(o *opts) (*txn, error) {
			return tok.Mint(o, outsider.addr, bn(1))
		}},
		{"token: mintBatch by non-owner", admin, "NotOwner", func(o *opts) (*txn, error) {
			return tok.MintBatch(o, addrs(b0), amounts(1))
		}},
		{"token: mintBatchRepeat by non-owner", admin, "NotOwner", func(o *opts) (*txn, error) {
			return tok.MintBatchRepeat(o, addrs(b0), bn(1), bn(1))
		}},
		{"token: mintBatch length mismatch", w.deployer, "LengthMismatch(left=1, right=2)", func(o *opts) (*txn, error) {
			return tok.MintBatch(o, addrs(b0), amounts(1, 2))
		}},
		{"token: addOwner by non-owner", outsider, "NotOwner", func(o *opts) (*txn, error) {
			return tok.AddOwner(o, outsider.addr)
		}},
		{"token: removeOwner by non-owner", outsider, "NotOwner", func(o *opts) (*txn, error) {
			return tok.RemoveOwner(o, w.treasuryAddr)
		}},
		{"token: burn more than held", outsider, "ERC20InsufficientBalance", func(o *opts) (*txn, error) {
			return tok.Burn(o, bn(1))
		}},
		{"treasury: add existing owner", w.deployer, "AlreadyOwner", func(o *opts) (*txn, error) {
			return tr.AddTokenOwner(o, w.tokenAddr, w.treasuryAddr)
		}},
		{"treasury: add zero owner", w.deployer, "ZeroAddress", func(o *opts) (*txn, error) {
			return tr.AddTokenOwner(o, w.tokenAddr, common.Address{})
		}},
		{"treasury: remove last owner", w.deployer, "LastOwner", func(o *opts) (*txn, error) {
			return tr.RemoveTokenOwner(o, w.soloToken, w.treasuryAddr)
		}},
		{"treasury: remove non-owner", w.deployer, "NotOwner", func(o *opts) (*txn, error) {
			return tr.RemoveTokenOwner(o, w.tokenAddr, outsider.addr)
		}},

		// RahatTreasury
		{"treasury: createToken by non-admin", outsider, "NotAdmin", func(o *opts) (*txn, error) {
			return tr.CreateToken(o, "X", "X", 0)
		}},
		{"treasury: mintTokenAndSend by non-admin", admin, "NotAdmin", func(o *opts) (*txn, error) {
			return tr.MintTokenAndSend(o, w.tokenAddr, admin.addr, bn(1))
		}},
		{"treasury: mintTokenAndApprove by non-admin", admin, "NotAdmin", func(o *opts) (*txn, error) {
			return tr.MintTokenAndApprove(o, w.tokenAddr, admin.addr, bn(1))
		}},
		{"treasury: mint an unknown token", w.deployer, "UnknownToken", func(o *opts) (*txn, error) {
			return tr.MintTokenAndSend(o, w.projectAddr, admin.addr, bn(1))
		}},
		{"treasury: approve an unknown token", w.deployer, "UnknownToken", func(o *opts) (*txn, error) {
			return tr.MintTokenAndApprove(o, outsider.addr, admin.addr, bn(1))
		}},
		{"treasury: send to zero", w.deployer, "ZeroAddress", func(o *opts) (*txn, error) {
			return tr.MintTokenAndSend(o, w.tokenAddr, common.Address{}, bn(1))
		}},
		{"treasury: approve zero", w.deployer, "ZeroAddress", func(o *opts) (*txn, error) {
			return tr.MintTokenAndApprove(o, w.tokenAddr, common.Address{}, bn(1))
		}},
		{"treasury: addTokenOwner by non-admin", outsider, "NotAdmin", func(o *opts) (*txn, error) {
			return tr.AddTokenOwner(o, w.tokenAddr, outsider.addr)
		}},
		{"treasury: remove last admin", w.deployer, "LastAdmin", func(o *opts) (*txn, error) {
			return tr.UpdateAdmin(o, w.deployer.addr, false)
		}},

		// RahatProjectFactory
		{"factory: createProject by non-admin", admin, "NotAdmin", func(o *opts) (*txn, error) {
			return f.CreateProject(o, "X", w.tokenAddr, admin.addr, otp.addr)
		}},
		{"factory: createProject without token", w.deployer, "ZeroAddress", func(o *opts) (*txn, error) {
			return f.CreateProject(o, "X", common.Address{}, admin.addr, otp.addr)
		}},
		{"factory: createProject without admin", w.deployer, "ZeroAddress", func(o *opts) (*txn, error) {
			return f.CreateProject(o, "X", w.tokenAddr, common.Address{}, otp.addr)
		}},

		// RahatProject: roles
		{"project: addBeneficiary by vendor", vendor, "NotAdmin", func(o *opts) (*txn, error) {
			return p.AddBeneficiary(o, outsider.addr)
		}},
		{"project: addBeneficiaries by outsider", outsider, "NotAdmin", func(o *opts) (*txn, error) {
			return p.AddBeneficiaries(o, addrs(outsider))
		}},
		{"project: removeBeneficiary by otp server", otp, "NotAdmin", func(o *opts) (*txn, error) {
			return p.RemoveBeneficiary(o, b0.addr)
		}},
		{"project: allocate by vendor", vendor, "NotAdmin", func(o *opts) (*txn, error) {
			return p.AllocateTokens(o, b0.addr, bn(1))
		}},
		{"project: allocate batch by beneficiary", b0, "NotAdmin", func(o *opts) (*txn, error) {
			return p.AllocateTokensBatch(o, addrs(b0), amounts(1))
		}},
		{"project: disburse by vendor", vendor, "NotAdmin", func(o *opts) (*txn, error) {
			return p.DisburseTokens(o, b0.addr, bn(1))
		}},
		{"project: updateVendor by vendor", vendor, "NotAdmin", func(o *opts) (*txn, error) {
			return p.UpdateVendor(o, w.vendor2.addr, false)
		}},
		{"project: setOtpServer by otp server", otp, "NotAdmin", func(o *opts) (*txn, error) {
			return p.SetOtpServer(o, otp.addr)
		}},
		{"project: setWalkInAllowance by vendor", vendor, "NotAdmin", func(o *opts) (*txn, error) {
			return p.SetWalkInAllowance(o, bn(1))
		}},
		{"project: increaseTokenBudget by outsider", outsider, "NotAdmin", func(o *opts) (*txn, error) {
			return p.IncreaseTokenBudget(o, outsider.addr, bn(1))
		}},
		{"project: createClaim by non-vendor", b0, "NotVendor", func(o *opts) (*txn, error) {
			return p.CreateClaim(o, b0.addr, bn(1))
		}},
		{"project: createClaim by revoked vendor", w.revoked, "NotVendor", func(o *opts) (*txn, error) {
			return p.CreateClaim(o, b0.addr, bn(1))
		}},
		{"project: addOtpToClaim by vendor", vendor, "NotOtpServer", func(o *opts) (*txn, error) {
			return p.AddOtpToClaim(o, bn(claimNoOtp), contracts.OtpHash("1"), w.deadline)
		}},
		{"project: addOtpToClaim by admin", admin, "NotOtpServer", func(o *opts) (*txn, error) {
			return p.AddOtpToClaim(o, bn(claimNoOtp), contracts.OtpHash("1"), w.deadline)
		}},
		{"project: processClaim by non-vendor", b0, "NotVendor", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimOpen), "444444")
		}},
		{"project: processClaim by another vendor", w.vendor2, "NotClaimer", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimOpen), "444444")
		}},
		{"project: processClaim by revoked vendor", w.revoked, "NotVendor", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimRevoked), "555555")
		}},
		{"project: walk-in by non-vendor", outsider, "NotVendor", func(o *opts) (*txn, error) {
			return p.AddWalkInBeneficiary(o, outsider.addr, bn(1))
		}},
		{"project: redeem by never-vendor", b0, "NotVendor", func(o *opts) (*txn, error) {
			return p.RedeemTokens(o, bn(1))
		}},
		{"project: remove last admin", admin, "LastAdmin", func(o *opts) (*txn, error) {
			return p.UpdateAdmin(o, admin.addr, false)
		}},

		// RahatProject: beneficiaries and budget
		{"project: add existing beneficiary", admin, "AlreadyBeneficiary", func(o *opts) (*txn, error) {
			return p.AddBeneficiary(o, b0.addr)
		}},
		{"project: batch with a duplicate", admin, "AlreadyBeneficiary", func(o *opts) (*txn, error) {
			return p.AddBeneficiaries(o, addrs(outsider, outsider))
		}},
		{"project: add zero beneficiary", admin, "ZeroAddress", func(o *opts) (*txn, error) {
			return p.AddBeneficiary(o, common.Address{})
		}},
		{"project: remove unknown beneficiary", admin, "NotBeneficiary", func(o *opts) (*txn, error) {
			return p.RemoveBeneficiary(o, outsider.addr)
		}},
		{"project: remove removed beneficiary", admin, "NotBeneficiary", func(o *opts) (*txn, error) {
			return p.RemoveBeneficiary(o, w.removed.addr)
		}},
		{"project: allocate to unknown beneficiary", admin, "NotBeneficiary", func(o *opts) (*txn, error) {
			return p.AllocateTokens(o, outsider.addr, bn(1))
		}},
		{"project: allocate over budget", admin, "InsufficientBudget(available=9850, required=9851)", func(o *opts) (*txn, error) {
			return p.AllocateTokens(o, b0.addr, bn(9_851))
		}},
		{"project: allocate batch length mismatch", admin, "LengthMismatch(left=1, right=2)", func(o *opts) (*txn, error) {
			return p.AllocateTokensBatch(o, addrs(b0), amounts(1, 2))
		}},
		{"project: allocate without budget", admin, "InsufficientBudget(available=0, required=1)", func(o *opts) (*txn, error) {
			return w.unfunded.AllocateTokens(o, b0.addr, bn(1))
		}},
		{"project: disburse over allocation", admin, "InsufficientAllocation(beneficiary=" + b0.addr.Hex() + ", allocated=850, required=851)", func(o *opts) (*txn, error) {
			return p.DisburseTokens(o, b0.addr, bn(851))
		}},
		{"project: disburse to unknown beneficiary", admin, "NotBeneficiary", func(o *opts) (*txn, error) {
			return p.DisburseTokens(o, outsider.addr, bn(1))
		}},
		{"project: disburse zero", admin, "ZeroAmount", func(o *opts) (*txn, error) {
			return p.DisburseTokens(o, b0.addr, bn(0))
		}},
		{"project: pull budget from a stranger", admin, "FundingSourceNotAllowed", func(o *opts) (*txn, error) {
			return p.IncreaseTokenBudget(o, vendor.addr, bn(1))
		}},
		{"project: pull budget without allowance", admin, "ERC20InsufficientAllowance", func(o *opts) (*txn, error) {
			return p.IncreaseTokenBudget(o, w.treasuryAddr, bn(1))
		}},
		{"project: pull zero budget", admin, "ZeroAmount", func(o *opts) (*txn, error) {
			return p.IncreaseTokenBudget(o, admin.addr, bn(0))
		}},
		{"project: updateVendor zero", admin, "ZeroAddress", func(o *opts) (*txn, error) {
			return p.UpdateVendor(o, common.Address{}, true)
		}},

		// RahatProject: claims with a one-time code
		{"project: createClaim for unknown beneficiary", vendor, "NotBeneficiary", func(o *opts) (*txn, error) {
			return p.CreateClaim(o, outsider.addr, bn(1))
		}},
		{"project: createClaim for removed beneficiary", vendor, "NotBeneficiary", func(o *opts) (*txn, error) {
			return p.CreateClaim(o, w.removed.addr, bn(1))
		}},
		{"project: createClaim over allocation", vendor, "InsufficientAllocation", func(o *opts) (*txn, error) {
			return p.CreateClaim(o, b0.addr, bn(851))
		}},
		{"project: createClaim zero", vendor, "ZeroAmount", func(o *opts) (*txn, error) {
			return p.CreateClaim(o, b0.addr, bn(0))
		}},
		{"project: createClaim without otp server", vendor, "OtpServerNotSet", func(o *opts) (*txn, error) {
			return w.unfunded.CreateClaim(o, b0.addr, bn(1))
		}},
		{"project: addOtpToClaim to unknown claim", otp, "UnknownClaim(claimId=99)", func(o *opts) (*txn, error) {
			return p.AddOtpToClaim(o, bn(99), contracts.OtpHash("1"), w.deadline)
		}},
		{"project: addOtpToClaim to settled claim", otp, "ClaimAlreadySettled", func(o *opts) (*txn, error) {
			return p.AddOtpToClaim(o, bn(claimSettled), contracts.OtpHash("1"), w.deadline)
		}},
		{"project: addOtpToClaim already expired", otp, "InvalidOtpExpiry", func(o *opts) (*txn, error) {
			return p.AddOtpToClaim(o, bn(claimNoOtp), contracts.OtpHash("1"), w.now())
		}},
		{"project: processClaim wrong code", vendor, "InvalidOtp(claimId=4)", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimOpen), "444445")
		}},
		{"project: processClaim another claim's code", vendor, "InvalidOtp", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimOpen), "666666")
		}},
		{"project: processClaim expired code", vendor, "OtpExpired", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimExpiring), "222222")
		}},
		{"project: processClaim settled twice", vendor, "ClaimAlreadySettled(claimId=1)", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimSettled), "111111")
		}},
		{"project: processClaim before the code", vendor, "OtpNotSet", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimNoOtp), "")
		}},
		{"project: processClaim unknown claim", vendor, "UnknownClaim", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(0), "")
		}},
		{"project: processClaim for removed beneficiary", vendor, "NotBeneficiary", func(o *opts) (*txn, error) {
			return p.ProcessClaim(o, bn(claimRemoved), "666666")
		}},

		// RahatProject: offline claims
		{"project: offline voucher by a stranger", vendor, "InvalidVoucherSigner", offline(strangerVoucher, strangerSig)},
		{"project: offline voucher expired", vendor, "VoucherExpired", offline(expiredVoucher, expiredSig)},
		{"project: offline voucher reused", vendor, "VoucherUsed(beneficiary=" + b0.addr.Hex() + ", nonce=1)", offline(w.usedVoucher, w.usedSig)},
		{"project: offline voucher tampered", vendor, "InvalidVoucherSigner", offline(tampered, tamperedSig)},
		{"project: offline voucher over allocation", vendor, "InsufficientAllocation", offline(bigVoucher, bigSig)},
		{"project: offline voucher of another vendor", w.vendor2, "InvalidVoucherSigner", offline(wrongVendorVoucher, wrongVendorSig)},
		{"project: offline voucher by non-vendor", outsider, "NotVendor", offline(strangerVoucher, strangerSig)},
		{"project: offline voucher malformed signature", vendor, "ECDSAInvalidSignatureLength", offline(strangerVoucher, []byte{1, 2, 3})},

		// RahatProject: walk-ins and redemption
		{"project: walk-in over allowance", vendor, "WalkInAmountTooHigh(allowed=20000, requested=20001)", func(o *opts) (*txn, error) {
			return p.AddWalkInBeneficiary(o, outsider.addr, bn(20_001))
		}},
		{"project: walk-in over budget", vendor, "InsufficientBudget(available=9000, required=9001)", func(o *opts) (*txn, error) {
			return p.AddWalkInBeneficiary(o, outsider.addr, bn(9_001))
		}},
		{"project: walk-in already a beneficiary", vendor, "AlreadyBeneficiary", func(o *opts) (*txn, error) {
			return p.AddWalkInBeneficiary(o, b0.addr, bn(1))
		}},
		{"project: walk-in zero", vendor, "ZeroAmount", func(o *opts) (*txn, error) {
			return p.AddWalkInBeneficiary(o, outsider.addr, bn(0))
		}},
		{"project: walk-in disabled", vendor, "WalkInAmountTooHigh(allowed=0, requested=1)", func(o *opts) (*txn, error) {
			return w.unfunded.AddWalkInBeneficiary(o, outsider.addr, bn(1))
		}},
		{"project: redeem without approval", vendor, "ERC20InsufficientAllowance", func(o *opts) (*txn, error) {
			return p.RedeemTokens(o, bn(1))
		}},
		{"project: redeem zero", vendor, "ZeroAmount", func(o *opts) (*txn, error) {
			return p.RedeemTokens(o, bn(0))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.revert(tt.as, tt.want, tt.call)
		})
	}

	// Every custom error of our own contracts has a case (OpenZeppelin's are theirs to test).
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[strings.SplitN(tt.want, "(", 2)[0]] = true
	}
	for _, name := range contracts.Names() {
		a, err := contracts.ABI(name)
		if err != nil {
			t.Fatal(err)
		}
		for e := range a.Errors {
			oz := strings.HasPrefix(e, "ERC20") || strings.HasPrefix(e, "ECDSA") || strings.HasPrefix(e, "SafeCast") || strings.HasPrefix(e, "SafeERC20")
			if !oz && !covered[e] {
				t.Errorf("%s.%s has no revert case", name, e)
			}
		}
	}
}
