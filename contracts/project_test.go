package contracts_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/rahataid/rahat/contracts"
)

// TestAidFlow plays one project from funding to redemption and checks every event and the budget.
func TestAidFlow(t *testing.T) {
	t.Parallel()
	w := setup(t, 4)
	b := w.bens
	admin, vendor, otp := w.projectAdmin, w.vendor, w.otp
	tok := w.tokenAddr

	// Funding, push: the treasury mints to the project and anyone recognises it as budget.
	rcpt := w.send(w.deployer, "mintTokenAndSend", func(o *opts) (*txn, error) {
		return w.treasury.MintTokenAndSend(o, tok, w.projectAddr, bn(10_000))
	})
	wantEvents(t, "mintTokenAndSend", rcpt,
		evt("Transfer", "from", zero, "to", w.projectAddr, "value", 10_000),
		evt("TokenMintedAndSent", "tokenAddress", tok, "receiverAddress", w.projectAddr, "amount", 10_000))
	rcpt = w.send(w.outsider, "syncTokenBudget", func(o *opts) (*txn, error) {
		return w.project.SyncTokenBudget(o)
	})
	wantEvents(t, "syncTokenBudget", rcpt, evt("TokenBudgetIncrease", "tokenAddress", tok, "amount", 10_000))
	rcpt = w.send(w.outsider, "syncTokenBudget again", func(o *opts) (*txn, error) {
		return w.project.SyncTokenBudget(o)
	})
	wantEvents(t, "syncTokenBudget again", rcpt)

	// Funding, pull: the treasury approves and a project admin pulls.
	w.send(w.deployer, "mintTokenAndApprove", func(o *opts) (*txn, error) {
		return w.treasury.MintTokenAndApprove(o, tok, w.projectAddr, bn(5_000))
	})
	rcpt = w.send(admin, "increaseTokenBudget", func(o *opts) (*txn, error) {
		return w.project.IncreaseTokenBudget(o, w.treasuryAddr, bn(5_000))
	})
	wantEvents(t, "increaseTokenBudget", rcpt,
		evt("Transfer", "from", w.treasuryAddr, "to", w.projectAddr, "value", 5_000),
		evt("TokenBudgetIncrease", "tokenAddress", tok, "amount", 5_000))
	w.wantBudget(15_000, 0)

	// Beneficiaries and allocations, in batches.
	rcpt = w.send(admin, "addBeneficiaries", func(o *opts) (*txn, error) {
		return w.project.AddBeneficiaries(o, addrs(b...))
	})
	wantEvents(t, "addBeneficiaries", rcpt,
		evt("BeneficiaryAdded", "arg0", b[0]), evt("BeneficiaryAdded", "arg0", b[1]),
		evt("BeneficiaryAdded", "arg0", b[2]), evt("BeneficiaryAdded", "arg0", b[3]))
	rcpt = w.send(admin, "allocateTokensBatch", func(o *opts) (*txn, error) {
		return w.project.AllocateTokensBatch(o, addrs(b...), amounts(1_000, 2_000, 3_000, 4_000))
	})
	wantEvents(t, "allocateTokensBatch", rcpt,
		evt("TokensAllocated", "token", tok, "beneficiary", b[0], "amount", 1_000),
		evt("TokensAllocated", "token", tok, "beneficiary", b[1], "amount", 2_000),
		evt("TokensAllocated", "token", tok, "beneficiary", b[2], "amount", 3_000),
		evt("TokensAllocated", "token", tok, "beneficiary", b[3], "amount", 4_000))
	w.wantBudget(15_000, 10_000)

	rcpt = w.send(admin, "updateVendor", func(o *opts) (*txn, error) {
		return w.project.UpdateVendor(o, vendor.addr, true)
	})
	wantEvents(t, "updateVendor", rcpt, evt("ClaimerUpdated", "claimer", vendor, "approved", true))

	// A claim with a one-time code: vendor asks, OTP server adds the hash, vendor submits the code.
	rcpt = w.send(vendor, "createClaim", func(o *opts) (*txn, error) {
		return w.project.CreateClaim(o, b[0].addr, bn(400))
	})
	wantEvents(t, "createClaim", rcpt,
		evt("ClaimCreated", "claimId", 1, "claimer", vendor, "claimee", b[0], "token", tok, "otpServer", otp, "amount", 400))
	hash := contracts.OtpHash("123456")
	rcpt = w.send(otp, "addOtpToClaim", func(o *opts) (*txn, error) {
		return w.project.AddOtpToClaim(o, bn(1), hash, w.now()+300)
	})
	wantEvents(t, "addOtpToClaim", rcpt,
		evt("OtpAdded", "beneficiary", b[0], "tokenAddress", tok, "amount", 400, "otpHash", hash))
	rcpt = w.send(vendor, "processClaim", func(o *opts) (*txn, error) {
		return w.project.ProcessClaim(o, bn(1), "123456")
	})
	wantEvents(t, "processClaim", rcpt,
		evt("OtpVerified", "beneficiary", b[0], "vendor", vendor, "tokenAddress", tok, "amount", 400),
		evt("Transfer", "from", w.projectAddr, "to", vendor, "value", 400),
		evt("ClaimProcessed", "beneficiary", b[0], "claimer", vendor, "token", tok, "amount", 400))
	claim, err := w.project.Claims(w.call(), bn(1))
	if err != nil || !claim.Settled || claim.Claimer != vendor.addr || claim.Claimee != b[0].addr || claim.OtpHash != hash {
		t.Fatalf("claim 1 = %+v (%v)", claim, err)
	}
	w.wantAllocation(b[0], 600)
	w.wantBudget(14_600, 9_600)

	// An offline voucher signed by the beneficiary.
	v := w.voucher(b[1], vendor, 500, 7, w.now()+3600)
	sig, err := v.Sign(b[1].key)
	if err != nil {
		t.Fatal(err)
	}
	rcpt = w.send(vendor, "processOfflineClaim", func(o *opts) (*txn, error) {
		return w.project.ProcessOfflineClaim(o, b[1].addr, bn(500), bn(7), v.Deadline, sig)
	})
	wantEvents(t, "processOfflineClaim", rcpt,
		evt("Transfer", "from", w.projectAddr, "to", vendor, "value", 500),
		evt("OfflineClaimProcessed", "beneficiary", b[1], "vendor", vendor, "tokenAddress", tok, "amount", 500))
	w.wantAllocation(b[1], 1_500)
	w.wantBudget(14_100, 9_100)

	// A walk-in beneficiary, enrolled by the vendor within the walk-in allowance.
	walkIn := newActor(t, "walkIn")
	w.send(admin, "setWalkInAllowance", func(o *opts) (*txn, error) {
		return w.project.SetWalkInAllowance(o, bn(300))
	})
	rcpt = w.send(vendor, "addWalkInBeneficiary", func(o *opts) (*txn, error) {
		return w.project.AddWalkInBeneficiary(o, walkIn.addr, bn(250))
	})
	wantEvents(t, "addWalkInBeneficiary", rcpt,
		evt("BeneficiaryAdded", "arg0", walkIn),
		evt("TokensAllocated", "token", tok, "beneficiary", walkIn, "amount", 250),
		evt("WalkInBeneficiaryAdded", "beneficiary", walkIn, "vendor", vendor, "tokenAddress", tok, "amount", 250))
	w.wantBudget(14_100, 9_350)

	// Disbursement straight to a beneficiary's wallet.
	rcpt = w.send(admin, "disburseTokens", func(o *opts) (*txn, error) {
		return w.project.DisburseTokens(o, b[3].addr, bn(1_500))
	})
	wantEvents(t, "disburseTokens", rcpt,
		evt("Transfer", "from", w.projectAddr, "to", b[3], "value", 1_500),
		evt("TokensDisbursed", "token", tok, "beneficiary", b[3], "amount", 1_500))
	w.wantAllocation(b[3], 2_500)
	w.wantBudget(12_600, 7_850)

	// Redemption: the vendor approves the project and settles tokens back; revocation does not stop it.
	w.send(vendor, "approve", func(o *opts) (*txn, error) {
		return w.token.Approve(o, w.projectAddr, bn(900))
	})
	rcpt = w.send(vendor, "redeemTokens", func(o *opts) (*txn, error) {
		return w.project.RedeemTokens(o, bn(600))
	})
	wantEvents(t, "redeemTokens", rcpt,
		evt("Transfer", "from", vendor, "to", zero, "value", 600),
		evt("TokenRedeem", "vendorAddress", vendor, "tokenAddress", tok, "amount", 600))
	rcpt = w.send(admin, "updateVendor (revoke)", func(o *opts) (*txn, error) {
		return w.project.UpdateVendor(o, vendor.addr, false)
	})
	wantEvents(t, "updateVendor (revoke)", rcpt, evt("ClaimerUpdated", "claimer", vendor, "approved", false))
	w.send(vendor, "redeemTokens after revocation", func(o *opts) (*txn, error) {
		return w.project.RedeemTokens(o, bn(300))
	})
	vbal, err := w.token.BalanceOf(w.call(), vendor.addr)
	wantUint(t, "vendor balance", vbal, err, 0)

	// Re-allocation sets the remaining allocation; removal gives what is left back to the free budget.
	rcpt = w.send(admin, "allocateTokens", func(o *opts) (*txn, error) {
		return w.project.AllocateTokens(o, b[3].addr, bn(100))
	})
	wantEvents(t, "allocateTokens", rcpt, evt("TokensAllocated", "token", tok, "beneficiary", b[3], "amount", 100))
	w.wantBudget(12_600, 5_450)
	rcpt = w.send(admin, "removeBeneficiary", func(o *opts) (*txn, error) {
		return w.project.RemoveBeneficiary(o, b[2].addr)
	})
	wantEvents(t, "removeBeneficiary", rcpt,
		evt("TokensAllocated", "token", tok, "beneficiary", b[2], "amount", 0),
		evt("BeneficiaryRemoved", "arg0", b[2]))
	w.send(admin, "allocateTokens (zero)", func(o *opts) (*txn, error) {
		return w.project.AllocateTokens(o, b[3].addr, bn(0))
	})
	rcpt = w.send(admin, "removeBeneficiary (nothing allocated)", func(o *opts) (*txn, error) {
		return w.project.RemoveBeneficiary(o, b[3].addr)
	})
	wantEvents(t, "removeBeneficiary (nothing allocated)", rcpt, evt("BeneficiaryRemoved", "arg0", b[3]))
	w.wantBudget(12_600, 2_350) // b0 600 + b1 1500 + walk-in 250
	if ok, _ := w.project.IsBeneficiary(w.call(), b[2].addr); ok {
		t.Fatal("removed beneficiary is still registered")
	}
	n, err := w.project.BeneficiaryCount(w.call())
	wantUint(t, "beneficiaryCount", n, err, 3)
	supply, err := w.token.TotalSupply(w.call())
	wantUint(t, "totalSupply", supply, err, 15_000-900)
}

// wantBudget checks tokenBudget and totalAllocated, and that the project holds exactly its budget.
func (w *world) wantBudget(budget, allocated int64) {
	w.t.Helper()
	got, err := w.project.TokenBudget(w.call())
	wantUint(w.t, "tokenBudget", got, err, budget)
	got, err = w.project.TotalAllocated(w.call())
	wantUint(w.t, "totalAllocated", got, err, allocated)
	got, err = w.project.AvailableBudget(w.call())
	wantUint(w.t, "availableBudget", got, err, budget-allocated)
	got, err = w.token.BalanceOf(w.call(), w.projectAddr)
	wantUint(w.t, "project balance", got, err, budget)
}

func (w *world) wantAllocation(b actor, want int64) {
	w.t.Helper()
	got, err := w.project.Allocation(w.call(), b.addr)
	wantUint(w.t, "allocation of "+b.name, got, err, want)
}

func (w *world) voucher(b, vendor actor, amount, nonce int64, deadline uint64) contracts.OfflineVoucher {
	return contracts.OfflineVoucher{
		ChainID: simChainID, Project: w.projectAddr, Beneficiary: b.addr, Vendor: vendor.addr,
		Amount: bn(amount), Nonce: bn(nonce), Deadline: new(big.Int).SetUint64(deadline),
	}
}

// TestBudget checks the budget rule: allocations may use the free budget and no more, counting a
// beneficiary's current allocation as free when it is replaced; a failing batch changes nothing.
func TestBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		initial []int64 // allocations made first, to bens[0..]
		batch   []int64 // then allocateTokensBatch to bens[0..]
		revert  string
		want    int64 // totalAllocated afterwards
	}{
		{name: "exactly the budget", batch: []int64{600, 400}, want: 1_000},
		{name: "one over", batch: []int64{600, 401}, revert: "InsufficientBudget(available=400, required=401)", want: 0},
		{name: "replacing counts the old allocation", initial: []int64{1_000}, batch: []int64{900}, want: 900},
		{name: "raising within the budget", initial: []int64{500, 500}, batch: []int64{500, 500}, want: 1_000},
		{name: "raising past the budget", initial: []int64{500, 500}, batch: []int64{501}, revert: "InsufficientBudget(available=500, required=501)", want: 1_000},
		{name: "a failing batch is undone", initial: []int64{100}, batch: []int64{200, 900}, revert: "InsufficientBudget", want: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := setup(t, 2)
			w.fund(1_000)
			w.send(w.projectAdmin, "addBeneficiaries", func(o *opts) (*txn, error) {
				return w.project.AddBeneficiaries(o, addrs(w.bens...))
			})
			if len(tt.initial) > 0 {
				w.send(w.projectAdmin, "initial allocation", func(o *opts) (*txn, error) {
					return w.project.AllocateTokensBatch(o, addrs(w.bens[:len(tt.initial)]...), amounts(tt.initial...))
				})
			}
			call := func(o *opts) (*txn, error) {
				return w.project.AllocateTokensBatch(o, addrs(w.bens[:len(tt.batch)]...), amounts(tt.batch...))
			}
			if tt.revert != "" {
				w.revert(w.projectAdmin, tt.revert, call)
			} else {
				w.send(w.projectAdmin, "allocateTokensBatch", call)
			}
			got, err := w.project.TotalAllocated(w.call())
			wantUint(t, "totalAllocated", got, err, tt.want)
		})
	}
}

// TestOfflineClaimSigners checks who may sign an offline voucher.
func TestOfflineClaimSigners(t *testing.T) {
	t.Parallel()
	w := setup(t, 1)
	ben := w.bens[0]
	w.fund(1_000)
	w.send(w.projectAdmin, "addBeneficiary", func(o *opts) (*txn, error) {
		return w.project.AddBeneficiary(o, ben.addr)
	})
	w.send(w.projectAdmin, "allocateTokens", func(o *opts) (*txn, error) {
		return w.project.AllocateTokens(o, ben.addr, bn(1_000))
	})
	w.send(w.projectAdmin, "updateVendor", func(o *opts) (*txn, error) {
		return w.project.UpdateVendor(o, w.vendor.addr, true)
	})
	// Sequential: the cases share one chain and use distinct nonces.
	tests := []struct {
		name   string
		signer actor
		revert string
	}{
		{"beneficiary", ben, ""},
		{"otp server", w.otp, ""},
		{"vendor itself", w.vendor, "InvalidVoucherSigner"},
		{"project admin", w.projectAdmin, "InvalidVoucherSigner"},
		{"stranger", w.outsider, "InvalidVoucherSigner"},
	}
	for i, tt := range tests {
		v := w.voucher(ben, w.vendor, 100, int64(i), w.now()+600)
		sig, err := v.Sign(tt.signer.key)
		if err != nil {
			t.Fatal(err)
		}
		call := func(o *opts) (*txn, error) {
			return w.project.ProcessOfflineClaim(o, ben.addr, v.Amount, v.Nonce, v.Deadline, sig)
		}
		if tt.revert != "" {
			w.revert(w.vendor, tt.revert, call)
			continue
		}
		w.send(w.vendor, "processOfflineClaim signed by "+tt.name, call)
		if used, _ := w.project.OfflineNonceUsed(w.call(), ben.addr, v.Nonce); !used {
			t.Fatalf("%s: nonce %d not marked used", tt.name, i)
		}
	}
	w.wantAllocation(ben, 800)
}

// TestOfflineDigestMatchesContract checks that contracts.OfflineVoucher hashes exactly as the contract.
func TestOfflineDigestMatchesContract(t *testing.T) {
	t.Parallel()
	w := setup(t, 1)
	v := w.voucher(w.bens[0], w.vendor, 12_345, 99, 1_900_000_000)
	want, err := w.project.OfflineClaimDigest(w.call(), v.Beneficiary, v.Vendor, v.Amount, v.Nonce, v.Deadline)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Digest()
	if err != nil || got != want {
		t.Fatalf("Digest() = %s (%v), contract says %x", got, err, want)
	}
}

// TestOtpResend checks that the OTP server may replace a claim's code before it is used, and only the
// newest code works.
func TestOtpResend(t *testing.T) {
	t.Parallel()
	w := setup(t, 1)
	ben := w.bens[0]
	w.fund(100)
	w.send(w.projectAdmin, "addBeneficiary", func(o *opts) (*txn, error) {
		return w.project.AddBeneficiary(o, ben.addr)
	})
	w.send(w.projectAdmin, "allocateTokens", func(o *opts) (*txn, error) {
		return w.project.AllocateTokens(o, ben.addr, bn(100))
	})
	w.send(w.projectAdmin, "updateVendor", func(o *opts) (*txn, error) {
		return w.project.UpdateVendor(o, w.vendor.addr, true)
	})
	w.send(w.vendor, "createClaim", func(o *opts) (*txn, error) {
		return w.project.CreateClaim(o, ben.addr, bn(100))
	})
	for _, code := range []string{"111111", "222222"} {
		w.send(w.otp, "addOtpToClaim "+code, func(o *opts) (*txn, error) {
			return w.project.AddOtpToClaim(o, bn(1), contracts.OtpHash(code), w.now()+60)
		})
	}
	w.revert(w.vendor, "InvalidOtp(claimId=1)", func(o *opts) (*txn, error) {
		return w.project.ProcessClaim(o, bn(1), "111111")
	})
	w.advance(30 * time.Second)
	w.send(w.vendor, "processClaim", func(o *opts) (*txn, error) {
		return w.project.ProcessClaim(o, bn(1), "222222")
	})
	w.wantAllocation(ben, 0)
}

// TestIncreaseBudgetFromAdmin checks the other pull source: an admin funds the project from its own wallet.
func TestIncreaseBudgetFromAdmin(t *testing.T) {
	t.Parallel()
	w := setup(t, 0)
	admin := w.projectAdmin
	w.send(w.deployer, "mintTokenAndSend", func(o *opts) (*txn, error) {
		return w.treasury.MintTokenAndSend(o, w.tokenAddr, admin.addr, bn(300))
	})
	w.send(admin, "approve", func(o *opts) (*txn, error) {
		return w.token.Approve(o, w.projectAddr, bn(300))
	})
	rcpt := w.send(admin, "increaseTokenBudget", func(o *opts) (*txn, error) {
		return w.project.IncreaseTokenBudget(o, admin.addr, bn(300))
	})
	wantEvents(t, "increaseTokenBudget", rcpt,
		evt("Transfer", "from", admin, "to", w.projectAddr, "value", 300),
		evt("TokenBudgetIncrease", "tokenAddress", w.tokenAddr, "amount", 300))
	w.wantBudget(300, 0)
}
