package txmgr

import (
	"maps"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
)

// TestIdleSignersHoldNothing: a signer with nothing to send holds no connection, no lock and
// makes no calls to the node (a deployment may hold hundreds of vendors' custodial keys). At Run's
// start only the signers with work get a sender; a sender lets go once its signer's transactions
// are final; an enqueue wakes an idle signer's sender, again and again.
func TestIdleSignersHoldNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	keys := b.keys[1:5]
	m := newManager(t, b.config(t, keys...))
	first := enqueue(t, m, transfer(keys[0], 99, "idle"))[0] // queued before Run starts
	busy, err := m.busySigners(t.Context())
	if got := slices.Collect(maps.Keys(busy)); err != nil || len(got) != 1 || !busy[addr(keys[0])] {
		t.Fatalf("signers with work: %v, %v; want only %s", got, err, addr(keys[0]))
	}
	start(t, m)

	// Every session begins by making sure its signer's nonce row exists.
	sessioned := func() []common.Address {
		rows, _ := b.db.Query(t.Context(), `SELECT signer FROM txmgr_nonces ORDER BY signer`)
		out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (common.Address, error) {
			var a []byte
			err := r.Scan(&a)
			return common.BytesToAddress(a), err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	letGo := func() (bool, error) { n, err := b.senderLocks(t); return n == 0, err }

	wait(t, m, first, StateFinal)
	eventually(t, "the busy signer's sender to let go once its transaction is final", letGo)
	// The other signers never had a session, though theirs would have begun at once, blocks ago.
	if got := sessioned(); !slices.Equal(got, []common.Address{addr(keys[0])}) {
		t.Fatalf("signers that had a session: %v, want only %s", got, addr(keys[0]))
	}
	for _, k := range keys {
		if got := counter(t, m.met.active.WithLabelValues(addr(k).Hex())); got != 0 {
			t.Fatalf("signer %s: sender_active %v while idle", addr(k), got)
		}
	}

	for round := range 2 { // an idle signer, woken twice
		id := enqueue(t, m, transfer(keys[1], int64(100+round), "idle"))[0]
		if tx := wait(t, m, id, StateFinal); tx.Nonce == nil || *tx.Nonce != uint64(round) {
			t.Fatalf("round %d: final transaction %+v", round, tx)
		}
		eventually(t, "the woken sender to let go once its transaction is final", letGo)
	}
	if got := sessioned(); len(got) != 2 || !slices.Contains(got, addr(keys[1])) {
		t.Fatalf("signers that had a session: %v, want %s and %s", got, addr(keys[0]), addr(keys[1]))
	}
}
