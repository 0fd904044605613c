package graphql_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/workload"
)

// liveWorld is a dev chain with rahat's contracts and one token, indexed by the real indexer
// (with the derived entities): the cheapest world in which blocks with new events can be made
// one at a time.
type liveWorld struct {
	*world
	admin    *ecdsa.PrivateKey
	treasury *bindings.RahatTreasury
	token    common.Address
}

func newLiveWorld(t testing.TB) *liveWorld {
	t.Helper()
	ctx := testCtx(t, 5*time.Minute)
	quiet := slog.New(slog.DiscardHandler)
	chain, err := devchain.Start(ctx, devchain.Config{Logger: quiet})
	if err != nil {
		t.Fatalf("starting dev chain: %v", err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	admin := chain.Keys()[0]
	seal := func(ctx context.Context) error { _, err := chain.Mine(ctx, 1); return err }
	dep, err := workload.Deploy(ctx, chain.Client(), admin, workload.Options{Seal: seal, Logger: quiet})
	if err != nil {
		t.Fatalf("deploying: %v", err)
	}
	tr, err := bindings.NewRahatTreasury(dep.Treasury, chain.Client())
	if err != nil {
		t.Fatal(err)
	}
	lw := &liveWorld{world: &world{chain: chain, dep: dep, db: pgtest.New(t)}, admin: admin, treasury: tr}
	o := lw.opts(t, 0)
	o.GasLimit = 5_000_000
	if _, err := tr.CreateToken(o, "Aid", "AID", 18); err != nil {
		t.Fatalf("creating a token: %v", err)
	}
	if _, err := chain.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if lw.token, err = tr.Tokens(&bind.CallOpts{Context: ctx}, big.NewInt(0)); err != nil {
		t.Fatalf("reading the token: %v", err)
	}
	lw.ix = lw.startIndexer(t)
	lw.waitHead(t)
	return lw
}

// opts signs as the admin with the pending nonce plus offset.
func (lw *liveWorld) opts(t testing.TB, offset uint64) *bind.TransactOpts {
	t.Helper()
	ctx := testCtx(t, time.Minute)
	o, err := bind.NewKeyedTransactorWithChainID(lw.admin, lw.chain.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	n, err := lw.chain.Client().PendingNonceAt(ctx, o.From)
	if err != nil {
		t.Fatal(err)
	}
	o.Nonce, o.Context, o.GasLimit = new(big.Int).SetUint64(n+offset), ctx, 300_000
	return o
}

// mint mints amount to each address (a Transfer from the zero address each), all in one new
// block, and waits until the indexer has committed it; it returns the block number.
func (lw *liveWorld) mint(t testing.TB, amount int64, to ...common.Address) uint64 {
	t.Helper()
	o := lw.opts(t, 0)
	var sent []*types.Transaction
	for _, a := range to {
		tx, err := lw.treasury.MintTokenAndSend(o, lw.token, a, big.NewInt(amount))
		if err != nil {
			t.Fatalf("minting: %v", err)
		}
		sent = append(sent, tx)
		o.Nonce.Add(o.Nonce, big.NewInt(1))
	}
	// The pool promotes a transaction to pending on a goroutine of its own: a block built before
	// it has done so for the last one leaves that one out (seen once in a full package run). Its
	// pending nonce says when every one is executable.
	ctx := testCtx(t, time.Minute)
	for {
		n, err := lw.chain.Client().PendingNonceAt(ctx, o.From)
		if err != nil {
			t.Fatalf("reading the pool's nonce: %v", err)
		}
		if n >= o.Nonce.Uint64() {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the pool's pending nonce stays at %d, %d sent", n, o.Nonce.Uint64())
		case <-time.After(time.Millisecond):
		}
	}
	hashes, err := lw.chain.Mine(testCtx(t, time.Minute), 1)
	if err != nil {
		t.Fatal(err)
	}
	// A test that waits for rows the block does not hold would only time out; say so here.
	block, err := lw.chain.Client().BlockByHash(testCtx(t, time.Minute), hashes[0])
	if err != nil {
		t.Fatalf("reading the minted block: %v", err)
	}
	if n := len(block.Transactions()); n != len(to) {
		// Seen once in a full package run under load and never reproduced: say where each
		// transaction is, for the next time.
		var where []string
		for _, tx := range sent {
			_, pending, err := lw.chain.Client().TransactionByHash(testCtx(t, time.Minute), tx.Hash())
			where = append(where, fmt.Sprintf("nonce %d: in block %v, pending %v, err %v", tx.Nonce(), block.Transaction(tx.Hash()) != nil, pending, err))
		}
		t.Fatalf("block %d holds %d of the %d mints sent (base fee %v, gas used %d of %d):\n%s", block.NumberU64(), n, len(to),
			block.BaseFee(), block.GasUsed(), block.GasLimit(), strings.Join(where, "\n"))
	}
	lw.waitHead(t)
	return lw.chain.Head().Latest.Number
}

// holder is the address of test account i (not a dev key: nothing else uses it).
func holder(i int) common.Address { return common.BigToAddress(big.NewInt(int64(0xA000 + i))) }
