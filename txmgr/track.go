package txmgr

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/jackc/pgx/v5"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/internal/rpcerr"
)

// track moves one in-flight transaction along: sent -> mined when a receipt of any of its attempts
// appears, mined -> final/failed when the block is Confirmations deep and still canonical, mined ->
// sent when the receipt vanished (a reorg), and sent -> queued when another transaction took the
// nonce for good.
func (s *sender) track(ctx context.Context, r *round, t *inflight) error {
	rcpt, att, err := s.findReceipt(ctx, t)
	if errors.Is(err, errIndexing) {
		// Absence means nothing yet: neither a reorg nor a conflict may be concluded.
		s.log.Debug("node is still indexing transactions; receipts unknown", "tx_id", t.id)
		return nil
	}
	if err != nil {
		return err
	}
	if rcpt == nil {
		switch t.state {
		case StateMined:
			return s.unmine(ctx, t)
		case StateSent:
			return s.checkConflict(ctx, r, t)
		}
		return nil
	}
	if t.state == StateSent || t.blockHash != rcpt.BlockHash {
		if err := s.mined(ctx, t, att, rcpt); err != nil {
			return err
		}
	}
	if r.head.Number.Uint64() < t.blockNumber+s.m.cfg.Confirmations {
		return nil
	}
	// Receipts come from the node's transaction index, which follows the canonical chain; the
	// header check guards against a node answering from two different views (load balancers).
	hdr, err := s.m.cfg.Client.HeaderByNumber(ctx, new(big.Int).SetUint64(t.blockNumber))
	if err != nil {
		return fmt.Errorf("reading block %d: %w", t.blockNumber, err)
	}
	if hdr.Hash() != t.blockHash {
		return nil // a reorg is under way; the next round sees where the transaction went
	}
	return s.finish(ctx, t)
}

// errIndexing reports that the node cannot tell whether it has a receipt: geth answers so while
// its transaction index is being built (after a start, an upgrade, a young chain).
var errIndexing = errors.New("node is indexing transactions")

// findReceipt looks up the receipts of t's attempts, newest first. It returns nil and no error
// when the node has none, errIndexing when it cannot know yet.
func (s *sender) findReceipt(ctx context.Context, t *inflight) (*types.Receipt, *attempt, error) {
	for i := range t.attempts {
		a := &t.attempts[i]
		rcpt, err := s.m.cfg.Client.TransactionReceipt(ctx, a.tx.Hash())
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if rpcerr.IsIndexing(err) {
			return nil, nil, fmt.Errorf("%w: %w", errIndexing, err)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading receipt of %s: %w", a.tx.Hash(), err)
		}
		return rcpt, a, nil
	}
	return nil, nil, nil
}

const updateMined = `
UPDATE txmgr_txs SET state = 'mined', hash = $2, block_number = $3, block_hash = $4, gas_used = $5,
       reverted = $6, error = $7, mined_at = now(), updated_at = now()
WHERE id = $1 AND state IN ('sent', 'mined')`

// mined records the receipt of attempt a.
func (s *sender) mined(ctx context.Context, t *inflight, a *attempt, rcpt *types.Receipt) error {
	reverted := rcpt.Status == types.ReceiptStatusFailed
	reason := ""
	if reverted {
		reason = s.revertReason(ctx, t, a, rcpt)
	}
	_, err := s.conn.Exec(ctx, updateMined, t.id, a.tx.Hash().Bytes(), rcpt.BlockNumber.Int64(),
		rcpt.BlockHash.Bytes(), int64(rcpt.GasUsed), reverted, reason)
	if err != nil {
		return fmt.Errorf("recording receipt: %w", err)
	}
	if t.state != StateMined {
		s.m.met.transitions.WithLabelValues(string(StateMined)).Inc()
	}
	t.state, t.blockNumber, t.blockHash, t.reverted = StateMined, rcpt.BlockNumber.Uint64(), rcpt.BlockHash, reverted
	s.log.Info("transaction mined", "tx_id", t.id, "nonce", t.nonce, "hash", a.tx.Hash(),
		"block", t.blockNumber, "attempt", a.seq, "reverted", reverted, "reason", reason)
	return nil
}

// revertReason replays a reverted transaction with eth_call on the state before its block, the
// only way to learn the revert data (receipts do not carry it), and decodes it with the contracts'
// ABIs. Replaying on the parent block ignores transactions before it in the same block, so the
// reason is the likely one; a replay that succeeds says so.
func (s *sender) revertReason(ctx context.Context, t *inflight, a *attempt, rcpt *types.Receipt) string {
	if rcpt.GasUsed >= a.tx.Gas() {
		return fmt.Sprintf("out of gas (used all %d)", a.tx.Gas())
	}
	msg := ethereum.CallMsg{From: s.addr, To: &t.to, Data: t.data, Value: t.value, Gas: a.tx.Gas()}
	parent := new(big.Int).Sub(rcpt.BlockNumber, big.NewInt(1))
	_, err := s.m.cfg.Client.CallContract(ctx, msg, parent)
	if err == nil {
		return "reverted (the replay before its block succeeds: it depended on a transaction earlier in the block)"
	}
	if reason, ok := revertText(err); ok {
		return reason
	}
	return "reverted (reason unavailable: " + err.Error() + ")"
}

// revertText reports whether err is an execution revert and, if so, its decoded reason.
func revertText(err error) (string, bool) {
	if r, ok := contracts.RevertOf(err); ok {
		return r.String(), true
	}
	if data, ok := ethclient.RevertErrorData(err); ok {
		if len(data) == 0 {
			return "execution reverted", true
		}
		return fmt.Sprintf("execution reverted with data 0x%x", data), true
	}
	if strings.Contains(err.Error(), "execution reverted") {
		return err.Error(), true
	}
	return "", false
}

const updateFinal = `
UPDATE txmgr_txs SET state = $2, done_at = now(), updated_at = now()
WHERE id = $1 AND state = 'mined'
RETURNING extract(epoch FROM now() - created_at)`

// finish marks a deep enough mined transaction final, or failed when it reverted.
func (s *sender) finish(ctx context.Context, t *inflight) error {
	state := StateFinal
	if t.reverted {
		state = StateFailed
	}
	var age float64
	if err := s.conn.QueryRow(ctx, updateFinal, t.id, string(state)).Scan(&age); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return fmt.Errorf("marking %s: %w", state, err)
	}
	t.state = state
	s.m.met.transitions.WithLabelValues(string(state)).Inc()
	if state == StateFinal {
		s.m.met.toFinal.Observe(age)
	}
	s.log.Info("transaction "+string(state), "tx_id", t.id, "nonce", t.nonce, "block", t.blockNumber)
	return nil
}

const updateUnmined = `
UPDATE txmgr_txs SET state = 'sent', hash = $2, block_number = NULL, block_hash = NULL, gas_used = NULL,
       reverted = false, error = '', mined_at = NULL, updated_at = now()
WHERE id = $1 AND state = 'mined'`

// unmine handles a mined transaction whose receipt vanished: its block left the canonical chain.
// It is sent again: the node's pool may have taken it back (then nothing is needed), otherwise
// the next resendLost finds its nonce missing from the pool and re-sends the latest attempt.
func (s *sender) unmine(ctx context.Context, t *inflight) error {
	latest := t.attempts[0]
	if _, err := s.conn.Exec(ctx, updateUnmined, t.id, latest.tx.Hash().Bytes()); err != nil {
		return fmt.Errorf("recording reorg: %w", err)
	}
	s.log.Warn("transaction reorged out; sending it again", "tx_id", t.id, "nonce", t.nonce,
		"old_block", t.blockNumber, "old_block_hash", t.blockHash)
	t.state, t.blockNumber, t.reverted = StateSent, 0, false
	s.m.met.reorged.Inc()
	s.m.met.transitions.WithLabelValues(string(StateSent)).Inc()
	return nil
}

const updateRequeue = `
UPDATE txmgr_txs SET state = 'queued', nonce = NULL, hash = NULL, gas = NULL, last_sent_at = NULL,
       error = $2, updated_at = now()
WHERE id = $1 AND state = 'sent'`

// checkConflict handles a sent transaction none of whose attempts has a receipt although the
// chain has passed its nonce. Once the nonce is used at final depth, no attempt can ever be mined:
// the key signed something else with it (outside rahat, or a restored database). The transaction
// then goes back to the queue for a new nonce; before that depth it waits, since a reorg could
// still bring one of its attempts in.
func (s *sender) checkConflict(ctx context.Context, r *round, t *inflight) error {
	if t.nonce >= r.latest {
		return nil
	}
	conf := s.m.cfg.Confirmations
	head := r.head.Number.Uint64()
	if head < conf {
		return nil
	}
	if r.finalNon == nil {
		n, err := s.m.cfg.Client.NonceAt(ctx, s.addr, new(big.Int).SetUint64(head-conf))
		if err != nil {
			return fmt.Errorf("reading nonce at %d: %w", head-conf, err)
		}
		r.finalNon = &n
	}
	if t.nonce >= *r.finalNon {
		return nil
	}
	msg := fmt.Sprintf("nonce %d was used by another transaction of this key; requeued", t.nonce)
	if _, err := s.conn.Exec(ctx, updateRequeue, t.id, msg); err != nil {
		return fmt.Errorf("requeueing: %w", err)
	}
	s.log.Error("nonce taken by a foreign transaction; requeued", "tx_id", t.id, "nonce", t.nonce)
	t.state = StateQueued
	s.m.met.conflicts.WithLabelValues(s.addr.Hex()).Inc()
	s.m.met.transitions.WithLabelValues(string(StateQueued)).Inc()
	return nil
}
