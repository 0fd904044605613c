package txmgr

import (
	"testing"
)

// TestIdleSignersHoldNothing: a signer with nothing to send holds no connection, no lock and
// makes no calls to the node (a deployment may hold hundreds of vendors' custodial keys). Its
// first session finds nothing and lets go; an enqueue wakes a sender, which lets go again once
// the transaction is final; another enqueue wakes it again.
func TestIdleSignersHoldNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	keys := b.keys[1:5]
	m := newManager(t, b.config(t, keys...))
	start(t, m)

	// The senders' locks held in this test's database (advisory locks name their database).
	locks := func() (int, error) {
		var n int
		err := b.db.QueryRow(t.Context(), `
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND objsubid = 2 AND classid::int8 = $1 AND granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(lockClass)).Scan(&n)
		return n, err
	}
	idle := func(sessions int) func() (bool, error) {
		return func() (bool, error) {
			var began int
			// Every session begins by making sure its signer's nonce row exists.
			if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM txmgr_nonces`).Scan(&began); err != nil {
				return false, err
			}
			n, err := locks()
			return began >= sessions && n == 0, err
		}
	}
	eventually(t, "every signer's first session to let go", idle(len(keys)))
	for _, k := range keys {
		if got := counter(t, m.met.active.WithLabelValues(addr(k).Hex())); got != 0 {
			t.Fatalf("signer %s: sender_active %v while idle", addr(k), got)
		}
	}

	for round := range 2 {
		id := enqueue(t, m, transfer(keys[1], int64(100+round), "idle"))[0]
		if tx := wait(t, m, id, StateFinal); tx.Nonce == nil || *tx.Nonce != uint64(round) {
			t.Fatalf("round %d: final transaction %+v", round, tx)
		}
		eventually(t, "the sender to let go once its transaction is final", idle(len(keys)))
	}
}
