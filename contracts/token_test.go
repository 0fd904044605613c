package contracts_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/contracts/bindings"
)

var zero common.Address

func TestCreateToken(t *testing.T) {
	t.Parallel()
	w := setup(t, 0)
	tests := []struct {
		name, symbol string
		decimals     uint8
	}{
		{"Cash Voucher", "CVA", 0},
		{"Rupee Token", "NPR", 2},
		{"Wei-like", "WEI", 18},
	}
	for i, tt := range tests {
		rcpt := w.send(w.deployer, "createToken", func(o *opts) (*txn, error) {
			return w.treasury.CreateToken(o, tt.name, tt.symbol, tt.decimals)
		})
		created, err := w.treasury.ParseTokenCreated(*rcpt.Logs[1])
		if err != nil {
			t.Fatal(err)
		}
		// The token's constructor logs first, from the new address, then the treasury announces it.
		wantEvents(t, "createToken", rcpt,
			evt("OwnerAdded", "arg0", w.treasuryAddr),
			evt("TokenCreated", "tokenAddress", created.TokenAddress))
		if rcpt.Logs[0].Address != created.TokenAddress || rcpt.Logs[1].Address != w.treasuryAddr {
			t.Fatalf("log addresses = %s, %s", rcpt.Logs[0].Address, rcpt.Logs[1].Address)
		}
		tok := w.bindToken(created.TokenAddress)
		name, _ := tok.Name(w.call())
		symbol, _ := tok.Symbol(w.call())
		decimals, err := tok.Decimals(w.call())
		if err != nil || name != tt.name || symbol != tt.symbol || decimals != tt.decimals {
			t.Fatalf("token %d = %q %q %d (%v), want %q %q %d", i, name, symbol, decimals, err, tt.name, tt.symbol, tt.decimals)
		}
		if ok, _ := w.treasury.IsTreasuryToken(w.call(), created.TokenAddress); !ok {
			t.Fatalf("isTreasuryToken(%s) = false", created.TokenAddress)
		}
	}
	n, err := w.treasury.TokenCount(w.call())
	wantUint(t, "tokenCount", n, err, int64(len(tests)+1)) // +1: setup's token
}

func TestTreasuryMinting(t *testing.T) {
	t.Parallel()
	w := setup(t, 1)
	ben := w.bens[0]

	rcpt := w.send(w.deployer, "mintTokenAndSend", func(o *opts) (*txn, error) {
		return w.treasury.MintTokenAndSend(o, w.tokenAddr, ben.addr, bn(700))
	})
	wantEvents(t, "mintTokenAndSend", rcpt,
		evt("Transfer", "from", zero, "to", ben, "value", 700),
		evt("TokenMintedAndSent", "tokenAddress", w.tokenAddr, "receiverAddress", ben, "amount", 700))
	bal, err := w.token.BalanceOf(w.call(), ben.addr)
	wantUint(t, "balance", bal, err, 700)

	// Approvals accumulate: the spender may pull everything approved so far.
	for i, total := range []int64{300, 800} {
		amount := []int64{300, 500}[i]
		rcpt = w.send(w.deployer, "mintTokenAndApprove", func(o *opts) (*txn, error) {
			return w.treasury.MintTokenAndApprove(o, w.tokenAddr, w.projectAddr, bn(amount))
		})
		wantEvents(t, "mintTokenAndApprove", rcpt,
			evt("Transfer", "from", zero, "to", w.treasuryAddr, "value", amount),
			evt("Approval", "owner", w.treasuryAddr, "spender", w.projectAddr, "value", total),
			evt("TokenMintedAndApproved", "tokenAddress", w.tokenAddr, "approveAddress", w.projectAddr, "amount", amount))
	}
	allowance, err := w.token.Allowance(w.call(), w.treasuryAddr, w.projectAddr)
	wantUint(t, "allowance", allowance, err, 800)
	supply, err := w.token.TotalSupply(w.call())
	wantUint(t, "totalSupply", supply, err, 1500)

	// A treasury admin can let another account mint directly (load generators do).
	rcpt = w.send(w.deployer, "addTokenOwner", func(o *opts) (*txn, error) {
		return w.treasury.AddTokenOwner(o, w.tokenAddr, w.outsider.addr)
	})
	wantEvents(t, "addTokenOwner", rcpt, evt("OwnerAdded", "arg0", w.outsider))
	w.send(w.outsider, "mint", func(o *opts) (*txn, error) {
		return w.token.Mint(o, w.outsider.addr, bn(1))
	})
	rcpt = w.send(w.deployer, "removeTokenOwner", func(o *opts) (*txn, error) {
		return w.treasury.RemoveTokenOwner(o, w.tokenAddr, w.outsider.addr)
	})
	wantEvents(t, "removeTokenOwner", rcpt, evt("OwnerRemoved", "arg0", w.outsider))
	w.revert(w.outsider, "NotOwner", func(o *opts) (*txn, error) {
		return w.token.Mint(o, w.outsider.addr, bn(1))
	})
}

func TestTokenOwnersAndBatches(t *testing.T) {
	t.Parallel()
	w := setup(t, 3)
	owner := w.outsider
	w.send(w.deployer, "addTokenOwner", func(o *opts) (*txn, error) {
		return w.treasury.AddTokenOwner(o, w.tokenAddr, owner.addr)
	})

	// An owner manages the owner list directly.
	rcpt := w.send(owner, "addOwner", func(o *opts) (*txn, error) {
		return w.token.AddOwner(o, w.vendor.addr)
	})
	wantEvents(t, "addOwner", rcpt, evt("OwnerAdded", "arg0", w.vendor))
	rcpt = w.send(w.vendor, "removeOwner", func(o *opts) (*txn, error) {
		return w.token.RemoveOwner(o, w.vendor.addr)
	})
	wantEvents(t, "removeOwner", rcpt, evt("OwnerRemoved", "arg0", w.vendor))
	n, err := w.token.OwnerCount(w.call())
	wantUint(t, "ownerCount", n, err, 2)

	b := w.bens
	rcpt = w.send(owner, "mintBatch", func(o *opts) (*txn, error) {
		return w.token.MintBatch(o, addrs(b...), amounts(1, 2, 3))
	})
	wantEvents(t, "mintBatch", rcpt,
		evt("Transfer", "from", zero, "to", b[0], "value", 1),
		evt("Transfer", "from", zero, "to", b[1], "value", 2),
		evt("Transfer", "from", zero, "to", b[2], "value", 3))

	rcpt = w.send(owner, "mintBatchRepeat", func(o *opts) (*txn, error) {
		return w.token.MintBatchRepeat(o, addrs(b[0], b[1]), bn(10), bn(3))
	})
	var want []string
	for range 3 {
		want = append(want,
			evt("Transfer", "from", zero, "to", b[0], "value", 10),
			evt("Transfer", "from", zero, "to", b[1], "value", 10))
	}
	wantEvents(t, "mintBatchRepeat", rcpt, want...)
	bal, err := w.token.BalanceOf(w.call(), b[1].addr)
	wantUint(t, "balance", bal, err, 32)

	// Burning is open to every holder.
	rcpt = w.send(b[1], "burn", func(o *opts) (*txn, error) {
		return w.token.Burn(o, bn(2))
	})
	wantEvents(t, "burn", rcpt, evt("Transfer", "from", b[1], "to", zero, "value", 2))
	supply, err := w.token.TotalSupply(w.call())
	wantUint(t, "totalSupply", supply, err, 1+2+3+60-2)
}

// TestFactory checks that each project is a new, registered contract configured from createProject.
func TestFactory(t *testing.T) {
	t.Parallel()
	w := setup(t, 0)
	rcpt := w.send(w.deployer, "createProject", func(o *opts) (*txn, error) {
		return w.factory.CreateProject(o, "Drought Response", w.tokenAddr, w.projectAdmin.addr, zero)
	})
	created, err := w.factory.ParseProjectCreated(*rcpt.Logs[0])
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "createProject", rcpt,
		evt("ProjectCreated", "projectAddress", created.ProjectAddress, "tokenAddress", w.tokenAddr, "name", "Drought Response"))
	if created.ProjectAddress == w.projectAddr {
		t.Fatal("second project has the first one's address")
	}
	p := w.bindProject(created.ProjectAddress)
	name, _ := p.Name(w.call())
	token, _ := p.Token(w.call())
	treasury, _ := p.Treasury(w.call())
	otp, _ := p.OtpServer(w.call())
	admin, err := p.IsAdmin(w.call(), w.projectAdmin.addr)
	if err != nil || name != "Drought Response" || token != w.tokenAddr || treasury != w.treasuryAddr || otp != zero || !admin {
		t.Fatalf("project = %q token %s treasury %s otp %s admin %v (%v)", name, token, treasury, otp, admin, err)
	}
	for _, a := range []common.Address{w.projectAddr, created.ProjectAddress} {
		if ok, _ := w.factory.IsProject(w.call(), a); !ok {
			t.Fatalf("isProject(%s) = false", a)
		}
	}
	n, err := w.factory.ProjectCount(w.call())
	wantUint(t, "projectCount", n, err, 2)
	first, err := w.factory.Projects(w.call(), bn(0))
	if err != nil || first != w.projectAddr {
		t.Fatalf("projects(0) = %s (%v), want %s", first, err, w.projectAddr)
	}
}

func TestAdmins(t *testing.T) {
	t.Parallel()
	w := setup(t, 0)
	// Admin changes emit nothing (the event interface has no admin events); state tells.
	rcpt := w.send(w.projectAdmin, "updateAdmin", func(o *opts) (*txn, error) {
		return w.project.UpdateAdmin(o, w.outsider.addr, true)
	})
	wantEvents(t, "updateAdmin", rcpt)
	w.send(w.outsider, "updateAdmin (remove the first admin)", func(o *opts) (*txn, error) {
		return w.project.UpdateAdmin(o, w.projectAdmin.addr, false)
	})
	if ok, _ := w.project.IsAdmin(w.call(), w.projectAdmin.addr); ok {
		t.Fatal("removed admin is still an admin")
	}
	n, err := w.project.AdminCount(w.call())
	wantUint(t, "adminCount", n, err, 1)
	w.revert(w.outsider, "LastAdmin", func(o *opts) (*txn, error) {
		return w.project.UpdateAdmin(o, w.outsider.addr, false)
	})
	w.revert(w.projectAdmin, "NotAdmin", func(o *opts) (*txn, error) {
		return w.project.UpdateAdmin(o, w.projectAdmin.addr, true)
	})
}

func (w *world) bindToken(a common.Address) *bindings.RahatToken {
	w.t.Helper()
	tok, err := bindings.NewRahatToken(a, w.client)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

func (w *world) bindProject(a common.Address) *bindings.RahatProject {
	w.t.Helper()
	p, err := bindings.NewRahatProject(a, w.client)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}
