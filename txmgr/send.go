package txmgr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/jackc/pgx/v5"
)

// resendLost re-sends, with the same bytes, the latest attempt of every sent transaction whose
// nonce the node's pool does not cover: never broadcast (a crash right after the nonce was
// persisted), dropped by the node, or taken off the chain by a reorg that the pool did not take
// back. A node that already has it answers "already known"; nothing is ever sent twice under
// different hashes this way.
func (s *sender) resendLost(ctx context.Context, r *round, txs []*inflight) error {
	for _, t := range txs {
		if t.state != StateSent || t.nonce < r.pending {
			continue
		}
		s.m.met.nonceGaps.WithLabelValues(s.addr.Hex()).Inc()
		s.m.met.resends.WithLabelValues("lost").Inc()
		s.log.Info("re-sending a transaction the node does not hold", "tx_id", t.id, "nonce", t.nonce,
			"hash", t.attempts[0].tx.Hash(), "pending_nonce", r.pending)
		s.broadcast(ctx, t.id, t.attempts[0].tx)
	}
	return nil
}

// replaceStuck replaces every sent transaction that has waited ResendAfter since its latest
// attempt with one of the same nonce and higher fees (see bump), persisted before it is sent.
func (s *sender) replaceStuck(ctx context.Context, r *round, txs []*inflight) error {
	now := s.m.cfg.Now()
	for _, t := range txs {
		if t.state != StateSent || t.nonce < r.latest || now.Sub(t.lastSentAt) < s.m.cfg.ResendAfter {
			continue
		}
		prev := t.attempts[0]
		tip, feeCap, ok := s.bump(ctx, r, prev)
		if !ok {
			s.m.met.feeCapped.WithLabelValues(s.addr.Hex()).Inc()
			s.log.Warn("stuck transaction cannot be replaced: fees would exceed FeeCap", "tx_id", t.id,
				"nonce", t.nonce, "fee_cap", prev.feeCap, "max", s.m.cfg.FeeCap)
			// Look again after another ResendAfter (the market may fall), not every round.
			if _, err := s.conn.Exec(ctx, `UPDATE txmgr_txs SET last_sent_at = $2 WHERE id = $1`, t.id, now); err != nil {
				return fmt.Errorf("deferring replacement of transaction %d: %w", t.id, err)
			}
			continue
		}
		next, err := s.sign(t.nonce, t.to, t.data, t.value, t.gas, tip, feeCap)
		if err != nil {
			return err
		}
		seq := prev.seq + 1
		err = pgx.BeginFunc(ctx, s.conn, func(dbtx pgx.Tx) error {
			return s.persistAttempt(ctx, dbtx, t.id, seq, t.nonce, next, tip, feeCap, false)
		})
		if err != nil {
			return fmt.Errorf("persisting replacement of transaction %d: %w", t.id, err)
		}
		s.m.met.replacements.WithLabelValues(s.addr.Hex()).Inc()
		s.log.Info("replacing stuck transaction", "tx_id", t.id, "nonce", t.nonce, "attempt", seq,
			"old_hash", prev.tx.Hash(), "hash", next.Hash(), "tip", tip, "fee_cap", feeCap)
		raw, _ := next.MarshalBinary()
		t.attempts = append([]attempt{{seq: seq, tx: next, raw: raw, feeCap: feeCap, tipCap: tip}}, t.attempts...)
		t.lastSentAt = now
		if err := s.m.hooks.afterPersist.call([]int64{t.id}); err != nil {
			return err
		}
		s.broadcast(ctx, t.id, next)
	}
	return nil
}

// queued is a transaction waiting for a nonce.
type queued struct {
	id       int64
	to       common.Address
	data     []byte
	value    *big.Int
	gasLimit uint64
	attempts int
	// after is the transaction this one waits for (Request.After), 0 for none; afterState and
	// afterError are its state and error when read.
	after      int64
	afterState State
	afterError string
}

const selectQueued = `
SELECT t.id, t.to_addr, t.data, t.value::text, t.gas_limit, t.attempts,
       coalesce(t.after_tx, 0), coalesce(a.state, ''), coalesce(a.error, '')
FROM txmgr_txs t LEFT JOIN txmgr_txs a ON a.id = t.after_tx
WHERE t.chain_id = $1 AND t.signer = $2 AND t.state = 'queued'
ORDER BY t.id LIMIT $3`

// assign gives nonces to queued transactions in enqueue order, at most MaxInFlight in flight,
// persists each signed attempt together with the signer's next nonce in one transaction, and only
// then broadcasts them.
func (s *sender) assign(ctx context.Context, r *round, inFlight int) error {
	room := s.m.cfg.MaxInFlight - inFlight
	if room <= 0 {
		return nil
	}
	rows, err := s.conn.Query(ctx, selectQueued, int64(s.m.cfg.ChainID), s.addr.Bytes(), room)
	if err != nil {
		return fmt.Errorf("reading queue: %w", err)
	}
	qs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (queued, error) {
		var q queued
		var to []byte
		var value string
		var gas int64
		err := row.Scan(&q.id, &to, &q.data, &value, &gas, &q.attempts, &q.after, &q.afterState, &q.afterError)
		q.to, q.gasLimit = common.BytesToAddress(to), uint64(gas)
		q.value, _ = new(big.Int).SetString(value, 10)
		return q, err
	})
	if err != nil {
		return fmt.Errorf("reading queue: %w", err)
	}
	if len(qs) == 0 {
		return nil
	}
	tip, feeCap := s.fees(ctx, r)

	// Gas first, outside the database transaction: it is the slow part.
	var ready []queued
	gas := make(map[int64]uint64)
	for _, q := range qs {
		if q.after != 0 {
			if q.afterState == StateFailed {
				if err := s.fail(ctx, q.id, fmt.Sprintf("transaction %d, which it waits for, failed: %s", q.after, q.afterError)); err != nil {
					return err
				}
				continue
			}
			// Mined with an error is a revert on chain, failed once final: wait for that too.
			if q.afterState != StateFinal && (q.afterState != StateMined || q.afterError != "") {
				s.log.Debug("waiting for another transaction to be mined", "tx_id", q.id, "after", q.after, "after_state", q.afterState)
				break // keep the order: later transactions wait for this one
			}
		}
		g, err := s.gasFor(ctx, r, q)
		if err == nil {
			ready = append(ready, q)
			gas[q.id] = g
			continue
		}
		reason, isRevert := revertText(err)
		if !isRevert {
			if ctx.Err() == nil {
				s.m.met.sendErrors.WithLabelValues(s.addr.Hex()).Inc()
				s.refused(q.id, "estimating gas failed; will retry", err)
			}
			break // keep the order: later transactions wait for this one
		}
		if inFlight+len(ready) > 0 || (q.after != 0 && q.afterState != StateFinal) {
			// It may depend on a transaction of ours that is not mined yet, or on the one it
			// waits for, mined but not final (a reorg may have taken it out): estimate again
			// once those are in.
			s.log.Debug("gas estimate reverts while transactions it may depend on are pending; waiting", "tx_id", q.id, "reason", reason)
			break
		}
		if err := s.fail(ctx, q.id, reason); err != nil {
			return err
		}
	}
	if len(ready) == 0 {
		return nil
	}

	signed := make([]*types.Transaction, len(ready))
	ids := make([]int64, len(ready))
	err = pgx.BeginFunc(ctx, s.conn, func(dbtx pgx.Tx) error {
		var next int64
		err := dbtx.QueryRow(ctx, `SELECT next_nonce FROM txmgr_nonces WHERE chain_id = $1 AND signer = $2 FOR UPDATE`,
			int64(s.m.cfg.ChainID), s.addr.Bytes()).Scan(&next)
		if err != nil {
			return fmt.Errorf("locking next nonce: %w", err)
		}
		nonce := uint64(next)
		// The pool's nonce can only be ahead of ours if the key signed elsewhere: our own
		// transactions all have nonces below next. Never go back.
		if r.pending > nonce {
			s.log.Warn("the chain is ahead of the stored nonce: the key was used outside rahat", "next_nonce", nonce,
				"pending_nonce", r.pending)
			s.m.met.nonceResyncs.WithLabelValues(s.addr.Hex()).Inc()
			nonce = r.pending
		}
		for i, q := range ready {
			tx, err := s.sign(nonce+uint64(i), q.to, q.data, q.value, gas[q.id], tip, feeCap)
			if err != nil {
				return err
			}
			if err := s.persistAttempt(ctx, dbtx, q.id, q.attempts+1, tx.Nonce(), tx, tip, feeCap, true); err != nil {
				return err
			}
			signed[i], ids[i] = tx, q.id
		}
		_, err = dbtx.Exec(ctx, `UPDATE txmgr_nonces SET next_nonce = $3, updated_at = now() WHERE chain_id = $1 AND signer = $2`,
			int64(s.m.cfg.ChainID), s.addr.Bytes(), int64(nonce)+int64(len(ready)))
		if err != nil {
			return fmt.Errorf("storing next nonce: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("assigning nonces: %w", err)
	}
	s.m.met.transitions.WithLabelValues(string(StateSent)).Add(float64(len(ready)))
	if err := s.m.hooks.afterPersist.call(ids); err != nil {
		return err
	}
	for i, tx := range signed {
		s.log.Info("sending transaction", "tx_id", ids[i], "nonce", tx.Nonce(), "hash", tx.Hash(), "gas", tx.Gas(),
			"tip", tip, "fee_cap", feeCap)
		s.broadcast(ctx, ids[i], tx)
	}
	return nil
}

// gasFor returns the gas limit for q: the requested one, or the estimate times GasMargin, capped
// by the block gas limit and the per-transaction cap.
func (s *sender) gasFor(ctx context.Context, r *round, q queued) (uint64, error) {
	if q.gasLimit > 0 {
		return q.gasLimit, nil
	}
	est, err := s.m.cfg.Client.EstimateGas(ctx, ethereum.CallMsg{From: s.addr, To: &q.to, Data: q.data, Value: q.value})
	if err != nil {
		return 0, err
	}
	g := uint64(math.Ceil(float64(est) * s.m.cfg.GasMargin))
	return max(est, min(g, r.head.GasLimit, params.MaxTxGas)), nil
}

const updateFailed = `
UPDATE txmgr_txs SET state = 'failed', error = $2, done_at = now(), updated_at = now()
WHERE id = $1 AND state = 'queued'`

// fail marks a queued transaction failed without ever giving it a nonce: its gas estimate reverts
// with nothing of ours pending that could change that, or the transaction it waits for failed.
func (s *sender) fail(ctx context.Context, id int64, reason string) error {
	if _, err := s.conn.Exec(ctx, updateFailed, id, reason); err != nil {
		return fmt.Errorf("marking transaction %d failed: %w", id, err)
	}
	s.m.met.transitions.WithLabelValues(string(StateFailed)).Inc()
	s.log.Info("transaction failed before it was sent", "tx_id", id, "reason", reason)
	return nil
}

const insertAttempt = `
INSERT INTO txmgr_attempts (tx_id, seq, nonce, hash, raw, gas_fee_cap, gas_tip_cap)
VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric)`

const updateSent = `
UPDATE txmgr_txs SET state = 'sent', nonce = $2, hash = $3, gas = $4, attempts = $5, error = '',
       last_sent_at = $7, updated_at = now()
WHERE id = $1 AND state = $6`

// persistAttempt stores a signed attempt and makes it the transaction's current one; first says
// whether it moves the transaction from queued to sent (else it replaces a sent attempt).
func (s *sender) persistAttempt(ctx context.Context, dbtx pgx.Tx, id int64, seq int, nonce uint64, tx *types.Transaction, tip, feeCap *big.Int, first bool) error {
	raw, err := tx.MarshalBinary()
	if err != nil {
		return fmt.Errorf("encoding transaction: %w", err)
	}
	if _, err := dbtx.Exec(ctx, insertAttempt, id, seq, int64(nonce), tx.Hash().Bytes(), raw, feeCap.String(), tip.String()); err != nil {
		return fmt.Errorf("storing attempt %d of transaction %d: %w", seq, id, err)
	}
	from := StateSent
	if first {
		from = StateQueued
	}
	tag, err := dbtx.Exec(ctx, updateSent, id, int64(nonce), tx.Hash().Bytes(), int64(tx.Gas()), seq, string(from), s.m.cfg.Now())
	if err != nil {
		return fmt.Errorf("storing nonce %d of transaction %d: %w", nonce, id, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("transaction %d is no longer %s", id, from)
	}
	return nil
}

// sign builds and signs a dynamic-fee (EIP-1559) transaction.
func (s *sender) sign(nonce uint64, to common.Address, data []byte, value *big.Int, gas uint64, tip, feeCap *big.Int) (*types.Transaction, error) {
	tx, err := s.signer.SignTx(types.NewTx(&types.DynamicFeeTx{
		ChainID:   s.m.chainID,
		Nonce:     nonce,
		GasTipCap: tip,
		GasFeeCap: feeCap,
		Gas:       gas,
		To:        &to,
		Value:     value,
		Data:      data,
	}), s.m.chainID)
	if err != nil {
		return nil, fmt.Errorf("signing nonce %d: %w", nonce, err)
	}
	return tx, nil
}

// fees returns the priority fee and fee cap of a first attempt: the node's suggested tip, at most
// TipCap; a fee cap of twice the base fee plus the tip (room for six full blocks of base fee
// rises), at most FeeCap.
func (s *sender) fees(ctx context.Context, r *round) (tip, feeCap *big.Int) {
	tip = s.suggestedTip(ctx, r)
	tip = bigMin(tip, s.m.cfg.TipCap)
	base := r.head.BaseFee
	if base == nil {
		base = new(big.Int)
	}
	feeCap = new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(2)), tip)
	feeCap = bigMin(feeCap, s.m.cfg.FeeCap)
	if base.Cmp(feeCap) > 0 {
		s.log.Warn("base fee above FeeCap: transactions wait until it falls", "base_fee", base, "fee_cap", feeCap)
	}
	return bigMin(tip, feeCap), feeCap
}

// suggestedTip asks the node once per round; on error it falls back to TipCap.
func (s *sender) suggestedTip(ctx context.Context, r *round) *big.Int {
	if r.tip == nil {
		tip, err := s.m.cfg.Client.SuggestGasTipCap(ctx)
		if err != nil {
			s.log.Warn("reading suggested tip; using TipCap", "err", err)
			tip = new(big.Int).Set(s.m.cfg.TipCap)
		}
		r.tip = tip
	}
	return new(big.Int).Set(r.tip)
}

// bump returns the fees of a replacement for prev: both raised by at least 12.5% (nodes demand
// 10%), and to the market's if that is higher, capped by FeeCap. ok is false when the cap leaves
// less than the 10% a node needs to accept the replacement.
func (s *sender) bump(ctx context.Context, r *round, prev attempt) (tip, feeCap *big.Int, ok bool) {
	tip = bigMax(ceilFrac(prev.tipCap, 9, 8), s.suggestedTip(ctx, r))
	base := r.head.BaseFee
	if base == nil {
		base = new(big.Int)
	}
	market := new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(2)), tip)
	feeCap = bigMin(bigMax(ceilFrac(prev.feeCap, 9, 8), market), s.m.cfg.FeeCap)
	tip = bigMin(tip, feeCap)
	ok = tip.Cmp(ceilFrac(prev.tipCap, 110, 100)) >= 0 && feeCap.Cmp(ceilFrac(prev.feeCap, 110, 100)) >= 0 &&
		feeCap.Cmp(prev.feeCap) > 0
	return tip, feeCap, ok
}

// broadcast sends a signed transaction. Rejections that mean the node has it, or has moved past
// its nonce, are expected (re-sends, races with mining); the next round reads the receipts.
// Anything else is counted and logged, and the next round tries again.
func (s *sender) broadcast(ctx context.Context, id int64, tx *types.Transaction) {
	err := s.m.cfg.Client.SendTransaction(ctx, tx)
	if err == nil {
		s.accepted(id)
		return
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "already known"), strings.Contains(msg, "known transaction"),
		strings.Contains(msg, "already exists"), strings.Contains(msg, "already imported"):
		return
	case strings.Contains(msg, "nonce too low"):
		s.log.Debug("node is past this nonce", "tx_id", id, "nonce", tx.Nonce(), "hash", tx.Hash())
		return
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return
	}
	s.m.met.sendErrors.WithLabelValues(s.addr.Hex()).Inc()
	s.refused(id, "node rejected transaction; will retry", err, "nonce", tx.Nonce(), "hash", tx.Hash())
}

// rejectionLogEvery is how often the same refusal of a transaction is logged as a warning again.
const rejectionLogEvery = 5 * time.Minute

// rejection is the last refusal of a transaction logged as a warning, and how many identical
// ones came after it.
type rejection struct {
	err   string
	at    time.Time
	since int
}

// refused logs a refusal of transaction id by the node (what says which: an estimate, a
// broadcast). The same refusal comes back every round until something changes (a key without
// ether stays so for hours), so it is a warning when it is new, and again once per
// rejectionLogEvery with the count of the identical ones in between; in between, debug. The
// manager keeps what it last warned about, across the signer's sessions.
func (s *sender) refused(id int64, what string, err error, attrs ...any) {
	m, key, now := s.m, refusalKey{id, what}, s.m.cfg.Now()
	attrs = append(attrs, "tx_id", id, "err", err)
	m.refMu.Lock()
	last, seen := m.refusals[key]
	repeat := seen && last.err == err.Error() && now.Sub(last.at) < rejectionLogEvery
	if repeat {
		last.since++
		m.refusals[key] = last
	} else {
		for k, r := range m.refusals { // forget what has not come back for long (failed since, say)
			if now.Sub(r.at) > 2*rejectionLogEvery {
				delete(m.refusals, k)
			}
		}
		m.refusals[key] = rejection{err: err.Error(), at: now}
	}
	m.refMu.Unlock()
	if repeat {
		s.log.Debug(what, attrs...)
		return
	}
	s.log.Warn(what, append(attrs, "same_refusals_since_last_warning", last.since)...)
}

// refusalKey names what was refused: a transaction's estimate or its broadcast.
type refusalKey struct {
	id   int64
	what string
}

// accepted forgets the refusals of transaction id once the node took it.
func (s *sender) accepted(id int64) {
	s.m.refMu.Lock()
	defer s.m.refMu.Unlock()
	for k := range s.m.refusals {
		if k.id == id {
			delete(s.m.refusals, k)
		}
	}
}

// call runs the hook if set.
func (f afterPersistHook) call(ids []int64) error {
	if f == nil {
		return nil
	}
	if err := f(ids); err != nil {
		return fmt.Errorf("%w: %w", errStopped, err)
	}
	return nil
}

func ceilFrac(x *big.Int, num, den int64) *big.Int {
	n := new(big.Int).Mul(x, big.NewInt(num))
	n.Add(n, big.NewInt(den-1))
	return n.Div(n, big.NewInt(den))
}

func bigMin(a, b *big.Int) *big.Int {
	if a.Cmp(b) <= 0 {
		return new(big.Int).Set(a)
	}
	return new(big.Int).Set(b)
}

func bigMax(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return new(big.Int).Set(a)
	}
	return new(big.Int).Set(b)
}
