package txmgr

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
)

// deployToken deploys a RahatToken owned by the chain's key 0 and returns its address and ABI.
func deployToken(t *testing.T, b *bundle) (common.Address, abi.ABI) {
	t.Helper()
	auth, err := bind.NewKeyedTransactorWithChainID(b.keys[0], b.chain.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	auth.Context = ctx
	token, tx, _, err := bindings.DeployRahatToken(auth, b.client, "Aid", "AID", 0, addr(b.keys[0]))
	if err != nil {
		t.Fatalf("deploying token: %v", err)
	}
	if _, err := bind.WaitDeployed(ctx, b.client, tx); err != nil {
		t.Fatalf("waiting for token: %v", err)
	}
	parsed, err := contracts.ABI("RahatToken")
	if err != nil {
		t.Fatal(err)
	}
	return token, parsed
}

func pack(t *testing.T, a abi.ABI, method string, args ...any) []byte {
	t.Helper()
	data, err := a.Pack(method, args...)
	if err != nil {
		t.Fatalf("packing %s: %v", method, err)
	}
	return data
}

// Reverts end in failed with the contract's custom error decoded: caught by the gas estimate (no
// nonce spent), or, with a fixed gas limit, on chain (nonce spent, reason from a replay). A
// transaction whose estimate reverts only because an earlier one of the same signer is not mined
// yet is not failed: it waits for it.
func TestRevert(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	token, tokenABI := deployToken(t, b)
	owner, stranger, payee := b.keys[0], b.keys[1], b.keys[3]
	m := newManager(t, b.config(t, owner, stranger))
	start(t, m)
	notOwner := "NotOwner(account=" + addr(stranger).Hex() + ")"

	mint := func(from common.Address, amount int64, gas uint64) Request {
		return Request{Signer: from, To: token, Data: pack(t, tokenABI, "mint", from, big.NewInt(amount)),
			GasLimit: gas, Kind: "mint", Ref: "revert"}
	}
	ids := enqueue(t, m,
		mint(addr(stranger), 1, 0),      // estimate reverts
		mint(addr(stranger), 1, 200000), // mined, reverts
		mint(addr(owner), 10, 0),
		Request{Signer: addr(owner), To: token, Data: pack(t, tokenABI, "transfer", addr(payee), big.NewInt(10)),
			Kind: "transfer", Ref: "revert"}, // needs the mint before it
	)

	estimated := wait(t, m, ids[0])
	if estimated.State != StateFailed || estimated.Nonce != nil || estimated.Error != notOwner {
		t.Fatalf("estimate revert: %+v, want failed without nonce and %q", estimated, notOwner)
	}
	onChain := wait(t, m, ids[1])
	if onChain.State != StateFailed || onChain.Nonce == nil || *onChain.Nonce != 0 || onChain.BlockNumber == nil ||
		onChain.Error != notOwner {
		t.Fatalf("on-chain revert: %+v, want failed with nonce 0 and %q", onChain, notOwner)
	}
	if rcpt, err := b.client.TransactionReceipt(t.Context(), *onChain.Hash); err != nil || rcpt.Status != 0 {
		t.Fatalf("receipt %+v, %v", rcpt, err)
	}
	for _, id := range ids[2:] {
		if tx := wait(t, m, id, StateFinal); tx.Error != "" {
			t.Fatalf("transaction %d: %+v", id, tx)
		}
	}
	tok, err := bindings.NewRahatToken(token, b.client)
	if err != nil {
		t.Fatal(err)
	}
	if bal, err := tok.BalanceOf(&bind.CallOpts{Context: t.Context()}, addr(payee)); err != nil || bal.Int64() != 10 {
		t.Fatalf("payee balance %v, %v", bal, err)
	}

	// Waiting for a state a failed transaction can no longer reach says so.
	_, err = m.Wait(t.Context(), ids[0], StateFinal)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "NotOwner") {
		t.Fatalf("Wait for final of a failed transaction: %v", err)
	}
	if _, err := m.Wait(t.Context(), 1<<40); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Wait for an unknown id: %v", err)
	}
}
