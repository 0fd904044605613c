package txmgr

import (
	"fmt"
	"testing"
)

// TestSessionsTakeTurns: with Config.MaxSessions reached, a signer with work waits for a slot
// (so a mass wake-up cannot open a connection per vendor key), and a sender that has had its turn
// lets go for it, so a signer that always has work cannot starve the others.
func TestSessionsTakeTurns(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	busy, other := b.keys[1], b.keys[2]
	cfg := b.config(t, busy, other)
	cfg.MaxSessions = 1
	cfg.MaxInFlight = 1 // the busy signer sends at most one transaction per round
	m := newManager(t, cfg)

	// The busy signer needs at least 40 rounds, four turns of sessionSlice rounds.
	const queued = 40
	var reqs []Request
	for i := range queued {
		reqs = append(reqs, transfer(busy, int64(200+i), fmt.Sprintf("busy-%d", i)))
	}
	busyIDs := enqueue(t, m, reqs...)
	start(t, m)
	wait(t, m, busyIDs[0], StateSent, StateMined, StateFinal) // the busy signer has the one slot

	id := enqueue(t, m, transfer(other, 300, "other"))[0]
	// The other signer's transaction is final before the busy signer is done, and never do two
	// signers hold a session at once.
	eventually(t, "the waiting signer's transaction to be final", func() (bool, error) {
		if n, err := b.senderLocks(t); err != nil || n > 1 {
			return false, fmt.Errorf("%d sender sessions at once with MaxSessions 1 (%v)", n, err)
		}
		tx, err := m.Get(t.Context(), id)
		return tx.State == StateFinal, err
	})
	last, err := m.Get(t.Context(), busyIDs[queued-1])
	if err != nil {
		t.Fatal(err)
	}
	if last.State == StateFinal {
		t.Fatal("the waiting signer got a session only once the busy signer had nothing left to send")
	}
	for _, id := range busyIDs {
		wait(t, m, id, StateFinal)
	}
	if got := counter(t, m.met.waiting); got != 0 {
		t.Fatalf("sessions_waiting %v once every signer is done", got)
	}
}
