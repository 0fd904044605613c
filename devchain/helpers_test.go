package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/internal/evmtest"
	"github.com/rahataid/rahat/internal/rpcerr"
)

// startChain starts a chain for one test and closes it when the test ends.
func startChain(t testing.TB, cfg Config) *Chain {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	c, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("starting chain: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing chain: %v", err)
		}
	})
	return c
}

// testLogger logs warnings and errors into the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// testCtx returns a context bounded by a generous deadline so that a hung chain fails the test
// instead of the whole run.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// dial connects to url (http or ws) the way an out-of-process indexer would. The HTTP transport
// is the test's own so that its idle connections can be closed: go-ethereum's graceful HTTP
// shutdown waits up to 5 s for a connection that was opened but never carried a request.
func dial(t testing.TB, url string) (*rpc.Client, *ethclient.Client) {
	t.Helper()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	rc, err := rpc.DialOptions(t.Context(), url, rpc.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatalf("dialing %s: %v", url, err)
	}
	t.Cleanup(func() {
		rc.Close()
		transport.CloseIdleConnections()
	})
	return rc, ethclient.NewClient(rc)
}

// signTx signs a dynamic-fee transaction for the dev chain.
func signTx(t testing.TB, key *ecdsa.PrivateKey, nonce uint64, to *common.Address, data []byte, gas uint64) *types.Transaction {
	t.Helper()
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(big.NewInt(ChainID)), &types.DynamicFeeTx{
		ChainID:   big.NewInt(ChainID),
		Nonce:     nonce,
		GasTipCap: big.NewInt(params.GWei),
		GasFeeCap: big.NewInt(100 * params.GWei),
		Gas:       gas,
		To:        to,
		Data:      data,
	})
	if err != nil {
		t.Fatalf("signing tx: %v", err)
	}
	return tx
}

// send signs and submits a transaction from key with its next pool nonce. The pool accepts a
// transaction before it promotes it (eth_sendRawTransaction returns first), so send waits until the
// pool's pending nonce has moved past it: the next send would otherwise read the same nonce again
// and be refused as "already known".
func send(t testing.TB, ctx context.Context, ec *ethclient.Client, key *ecdsa.PrivateKey, to *common.Address, data []byte, gas uint64) *types.Transaction {
	t.Helper()
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := ec.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatalf("reading nonce: %v", err)
	}
	tx := signTx(t, key, nonce, to, data, gas)
	if err := ec.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("sending tx: %v", err)
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("the pool to promote nonce %d of %s", nonce, from), func() bool {
		next, err := ec.PendingNonceAt(ctx, from)
		if err != nil {
			t.Fatalf("reading nonce: %v", err)
		}
		return next > nonce
	})
	return tx
}

// devMine seals n blocks over JSON-RPC.
func devMine(t testing.TB, ctx context.Context, rc *rpc.Client, n int) []common.Hash {
	t.Helper()
	var hashes []common.Hash
	if err := rc.CallContext(ctx, &hashes, "dev_mine", n); err != nil {
		t.Fatalf("dev_mine %d: %v", n, err)
	}
	if len(hashes) != n {
		t.Fatalf("dev_mine %d returned %d hashes", n, len(hashes))
	}
	return hashes
}

// receipt returns the receipt of a mined transaction, failing the test if it is missing or failed.
func receipt(t testing.TB, ctx context.Context, ec *ethclient.Client, tx *types.Transaction) *types.Receipt {
	t.Helper()
	r, err := ec.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		t.Fatalf("receipt of %s: %v", tx.Hash(), err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("tx %s failed", tx.Hash())
	}
	return r
}

// deployPing deploys the ping contract from key 0 and mines it.
func deployPing(t testing.TB, ctx context.Context, c *Chain, rc *rpc.Client, ec *ethclient.Client) common.Address {
	t.Helper()
	tx := send(t, ctx, ec, c.Keys()[0], nil, evmtest.PingInitCode(), 200_000)
	devMine(t, ctx, rc, 1)
	return receipt(t, ctx, ec, tx).ContractAddress
}

// waitFor polls cond until it holds or the deadline passes. Polling an RPC node is what its
// clients do; the deadline, not a sleep, bounds the test.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// isNotFound reports whether err is the client's "not found".
func isNotFound(err error) bool { return errors.Is(err, ethereum.NotFound) }

// answeredReceipt asks for a receipt until the node answers: while its transaction index catches
// up (a fresh chain, a reorg) it says so, which means neither found nor not found.
func answeredReceipt(ctx context.Context, ec *ethclient.Client, hash common.Hash) (*types.Receipt, error) {
	for {
		r, err := ec.TransactionReceipt(ctx, hash)
		if !rpcerr.IsIndexing(err) || ctx.Err() != nil {
			return r, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// headerAt returns the canonical header at n.
func headerAt(t testing.TB, ctx context.Context, ec *ethclient.Client, n uint64) *types.Header {
	t.Helper()
	h, err := ec.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
	if err != nil {
		t.Fatalf("header %d: %v", n, err)
	}
	return h
}

// tagHeader returns the header for a block tag such as rpc.FinalizedBlockNumber.
func tagHeader(t testing.TB, ctx context.Context, ec *ethclient.Client, tag rpc.BlockNumber) *types.Header {
	t.Helper()
	h, err := ec.HeaderByNumber(ctx, big.NewInt(int64(tag)))
	if err != nil {
		t.Fatalf("header %s: %v", tag, err)
	}
	return h
}
