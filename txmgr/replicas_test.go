package txmgr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum"

	"github.com/rahataid/rahat/internal/rpcerr"
)

// Two managers (two `serve` replicas) on one database and one chain, both running for the same
// two signers: every transaction is mined exactly once, no nonce is used twice, and when the
// active replica stops mid-way the other takes over.
func TestTwoReplicas(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	k1, k2 := b.keys[1], b.keys[2]
	ma := newManager(t, b.config(t, k1, k2))
	mb := newManager(t, b.config(t, k1, k2))
	ra := start(t, ma)
	start(t, mb)

	const perSigner = 24
	var ids []int64
	enqueueRound := func(round int) {
		var reqs []Request
		for i := range perSigner / 2 {
			for _, k := range []int{1, 2} {
				reqs = append(reqs, transfer(b.keys[k], int64(1000*round+i+1), fmt.Sprintf("replicas-%d", round)))
			}
		}
		// Through either replica: Enqueue needs no sender.
		ids = append(ids, enqueue(t, []*Manager{ma, mb}[round], reqs...)...)
	}
	enqueueRound(0)
	wait(t, mb, ids[len(ids)-1], StateFinal)
	if err := ra.stop(t); err != nil {
		t.Fatalf("replica A: %v", err)
	}
	enqueueRound(1)

	nonces := map[string]map[uint64]int64{}
	for _, id := range ids {
		tx := wait(t, mb, id, StateFinal)
		signer := tx.Signer.Hex()
		if nonces[signer] == nil {
			nonces[signer] = map[uint64]int64{}
		}
		if other, dup := nonces[signer][*tx.Nonce]; dup {
			t.Fatalf("transactions %d and %d of %s share nonce %d", other, id, signer, *tx.Nonce)
		}
		nonces[signer][*tx.Nonce] = id
		// Exactly once on chain: the recorded hash is mined, and the recipient (fresh per request)
		// holds exactly one transfer.
		if _, err := b.client.TransactionReceipt(t.Context(), *tx.Hash); err != nil {
			t.Fatalf("receipt of %d: %v", id, err)
		}
	}
	for _, k := range []int{1, 2} {
		n, err := b.client.NonceAt(t.Context(), addr(b.keys[k]), nil)
		if err != nil || n != perSigner {
			t.Fatalf("signer %d: chain nonce %d (err %v), want %d: a transaction was sent more than once", k, n, err, perSigner)
		}
		if len(nonces[addr(b.keys[k]).Hex()]) != perSigner {
			t.Fatalf("signer %d: %d distinct nonces", k, len(nonces[addr(b.keys[k]).Hex()]))
		}
	}
	for round := range 2 {
		for i := range perSigner / 2 {
			for _, k := range []int{1, 2} {
				req := transfer(b.keys[k], int64(1000*round+i+1), "")
				bal, err := b.client.BalanceAt(t.Context(), req.To, nil)
				if err != nil || bal.Cmp(req.Value) != 0 {
					t.Fatalf("recipient of %v wei got %v (err %v)", req.Value, bal, err)
				}
			}
		}
	}
}

// A crash after the nonce and the signed transaction are persisted but before anything is
// broadcast: after a restart the very same transaction (same hash) is sent, once.
func TestCrashBetweenPersistAndSend(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	key := b.keys[1]
	crashing := newManager(t, b.config(t, key))
	crashing.hooks.afterPersist = func([]int64) error { return errCrash }
	r := start(t, crashing)
	id := enqueue(t, crashing, transfer(key, 7, "crash"))[0]
	if err := r.exited(t); !errors.Is(err, errCrash) {
		t.Fatalf("Run: %v, want the simulated crash", err)
	}

	tx, err := crashing.Get(t.Context(), id)
	if err != nil || tx.State != StateSent || tx.Nonce == nil || tx.Hash == nil {
		t.Fatalf("after the crash: %+v, %v", tx, err)
	}
	// The node must not know it. On a fresh chain the node may first answer that its transaction
	// index is still being built, which says neither: ask again.
	eventually(t, "the node's answer on the persisted transaction", func() (bool, error) {
		_, _, err := b.client.TransactionByHash(t.Context(), *tx.Hash)
		switch {
		case errors.Is(err, ethereum.NotFound):
			return true, nil
		case rpcerr.IsIndexing(err):
			return false, nil
		}
		return false, fmt.Errorf("the node knows %s before any broadcast: %v", tx.Hash, err)
	})

	restarted := newManager(t, b.config(t, key))
	start(t, restarted)
	final := wait(t, restarted, id, StateFinal)
	if *final.Hash != *tx.Hash || *final.Nonce != *tx.Nonce || final.Attempts != 1 {
		t.Fatalf("after restart: %+v, before: %+v", final, tx)
	}
	if n, err := b.client.NonceAt(t.Context(), addr(key), nil); err != nil || n != 1 {
		t.Fatalf("chain nonce %d, err %v", n, err)
	}
	if got := counter(t, restarted.met.nonceGaps.WithLabelValues(addr(key).Hex())); got < 1 {
		t.Fatalf("nonce gaps counted %v", got)
	}
}

// The key signs a transaction outside the manager with the nonce the manager had persisted (and,
// crashed, never sent): once that nonce is final, the manager's transaction is requeued with a
// new nonce and still goes through, once.
func TestForeignNonceUse(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	key := b.keys[1]
	crashing := newManager(t, b.config(t, key))
	crashing.hooks.afterPersist = func([]int64) error { return errCrash }
	r := start(t, crashing)
	id := enqueue(t, crashing, transfer(key, 9, "foreign"))[0]
	if err := r.exited(t); !errors.Is(err, errCrash) {
		t.Fatalf("Run: %v", err)
	}

	// Someone else uses nonce 0 of the key.
	foreign := transfer(key, 1, "")
	foreign.To = addr(b.keys[5])
	other := newManager(t, b.config(t, key))
	tip, feeCap := big1gwei(), big100gwei()
	signer, _ := other.cfg.Keys.Signer(addr(key))
	s := &sender{m: other, signer: signer, addr: addr(key)}
	ftx, err := s.sign(0, foreign.To, nil, foreign.Value, 21000, tip, feeCap)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.client.SendTransaction(t.Context(), ftx); err != nil {
		t.Fatal(err)
	}

	restarted := newManager(t, b.config(t, key))
	start(t, restarted)
	final := wait(t, restarted, id, StateFinal)
	if *final.Nonce != 1 {
		t.Fatalf("requeued transaction final with nonce %d, want 1", *final.Nonce)
	}
	if got := counter(t, restarted.met.conflicts.WithLabelValues(addr(key).Hex())); got != 1 {
		t.Fatalf("conflicts = %v", got)
	}
	if n, err := b.client.NonceAt(t.Context(), addr(key), nil); err != nil || n != 2 {
		t.Fatalf("chain nonce %d, err %v", n, err)
	}
}
