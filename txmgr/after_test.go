package txmgr

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
)

// TestAfter: a transaction that waits for another signer's (Request.After) is not sent while that
// one is unmined, even though its own gas estimate reverts meanwhile (it spends tokens the other
// mints), and is sent as soon as it is mined, even by a replica that polls once an hour; one that
// waits for a failed transaction fails unsent and does not hold up its signer's next transaction.
func TestAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	minter, _ := crypto.GenerateKey() // the token's owner, without ether until the test funds it
	holder, payee, funder := b.keys[1], b.keys[3], b.keys[0]
	auth, err := bind.NewKeyedTransactorWithChainID(funder, b.chain.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	auth.Context = t.Context()
	token, tx, _, err := bindings.DeployRahatToken(auth, b.client, "Aid", "AID", 0, addr(minter))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bind.WaitDeployed(t.Context(), b.client, tx); err != nil {
		t.Fatal(err)
	}
	tokenABI, err := contracts.ABI("RahatToken")
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, b.config(t, minter, funder))
	start(t, m)
	// The holder's transactions go through another manager (another replica) that polls once an
	// hour: only the notification that the mint is mined can wake it in time.
	slow := b.config(t, holder)
	slow.PollInterval = time.Hour
	m2 := newManager(t, slow)
	start(t, m2)

	mint := enqueue(t, m, Request{Signer: addr(minter), To: token, Data: pack(t, tokenABI, "mint", addr(holder), big.NewInt(10)),
		Kind: "mint", Ref: "after"})[0]
	spend := enqueue(t, m2, Request{Signer: addr(holder), To: token, Data: pack(t, tokenABI, "transfer", addr(payee), big.NewInt(10)),
		Kind: "transfer", Ref: "after", After: mint})[0]
	// The holder's sender has looked at the transfer and left it queued: the mint cannot be mined
	// (its signer has no ether for gas).
	eventually(t, "the transfer to wait for the mint", func() (bool, error) {
		return strings.Contains(b.logs.String(), fmt.Sprintf("tx_id=%d after=%d ", spend, mint)), nil
	})
	if got, err := m.Get(t.Context(), spend); err != nil || got.State != StateQueued || got.Nonce != nil {
		t.Fatalf("the transfer while the mint is unmined: %+v (%v)", got, err)
	}

	// Ether for the minter: the mint goes through, then the transfer.
	enqueue(t, m, Request{Signer: addr(funder), To: addr(minter), Value: big.NewInt(1e17), Kind: "fund", Ref: "after"})
	if got := wait(t, m, spend, StateSent, StateMined, StateFinal, StateFailed); got.State == StateFailed || got.Nonce == nil {
		t.Fatalf("the transfer after the mint: %+v", got)
	}
	tok, err := bindings.NewRahatToken(token, b.client)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the payee's tokens", func() (bool, error) {
		bal, err := tok.BalanceOf(&bind.CallOpts{Context: t.Context()}, addr(payee))
		return err == nil && bal.Int64() == 10, err
	})

	// After a transaction that fails: failed without a nonce, and the next one goes on.
	doomed := enqueue(t, m, Request{Signer: addr(funder), To: token, Data: pack(t, tokenABI, "mint", addr(funder), big.NewInt(1)),
		Kind: "mint", Ref: "after"})[0] // the funder is not the owner: its estimate reverts
	ids := enqueue(t, m,
		Request{Signer: addr(minter), To: addr(payee), Value: big.NewInt(1), Kind: "test", Ref: "after", After: doomed},
		transfer(minter, 2, "after"))
	if got := wait(t, m, ids[0], StateFinal, StateFailed); got.State != StateFailed || got.Nonce != nil ||
		!strings.Contains(got.Error, fmt.Sprintf("transaction %d, which it waits for, failed: NotOwner", doomed)) {
		t.Fatalf("after a failed transaction: %+v", got)
	}
	if got := wait(t, m, ids[1], StateFinal, StateFailed); got.State != StateFinal {
		t.Fatalf("the next transaction: %+v", got)
	}

	// After must name a transaction of this chain.
	for _, after := range []int64{-1, 1 << 40} {
		req := transfer(funder, 3, "after")
		req.After = after
		err := func() error {
			tx, err := b.db.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(t.Context()) }()
			_, err = m.Enqueue(t.Context(), tx, req)
			return err
		}()
		if !errors.Is(err, ErrInvalidRequest) {
			t.Fatalf("After %d: %v", after, err)
		}
	}
}
