package txmgr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5"
)

// lockClass is the first key of the two-key advisory locks (pg_advisory_lock(int4, int4)) that
// make one sender per signer: the ASCII bytes "rtx1". The two-key form lives in a key space of its
// own, apart from the single bigint keys listed in store/doc.go.
const lockClass int32 = 0x72747831

// lockObject is the second key: a hash of chain id and signer. Two signers whose hashes collide
// merely share a sender slot; correctness never depends on the lock alone (see doc.go).
func lockObject(chainID uint64, signer common.Address) int32 {
	h := fnv.New32a()
	_ = binary.Write(h, binary.BigEndian, chainID)
	_, _ = h.Write(signer.Bytes())
	return int32(h.Sum32())
}

// errStopped ends Run: a test hook simulated a crash.
var errStopped = errors.New("txmgr: sender stopped by hook")

// errIdle ends a sender session whose signer has nothing queued and nothing in flight.
var errIdle = errors.New("txmgr: nothing to send")

// errYield ends a sender session that has had its turn while other signers wait for a slot
// (Config.MaxSessions); its signer queues again at once, behind them.
var errYield = errors.New("txmgr: turn over")

// sessionSlice is how many rounds a sender keeps its slot while other signers wait for one.
const sessionSlice = 10

// idleRechecks is how many PollIntervals pass between two looks for signers with work whose
// sender sleeps. Wake-ups come from the notification of every enqueue, and the listener looks
// each time it (re)connects, so this is only a last resort.
const idleRechecks = 30

// sender is one signer's active sender: it holds the signer's advisory lock on conn and does all
// its database work on that connection, so that losing the session (and with it the lock) makes
// every later write fail instead of racing a new sender.
type sender struct {
	m      *Manager
	conn   *pgx.Conn
	signer Signer
	addr   common.Address
	log    *slog.Logger
}

// runSigner runs senders for signer until ctx ends: one at once unless idle is set (then after a
// wake-up), then one whenever a wake-up comes after the last session let go for want of work.
func (m *Manager) runSigner(ctx context.Context, signer Signer, idle bool) error {
	log := m.log.With("signer", signer.Address())
	wake, _ := m.signerWake(signer.Address())
	backoff := m.cfg.PollInterval
	for {
		if idle {
			// No connection, no lock and no calls to the node while the signer has nothing to do:
			// a vendor's custodial key sends now and then, and there may be hundreds of them.
			select {
			case <-ctx.Done():
				return nil
			case <-wake:
			}
			idle = false
		}
		err := m.session(ctx, signer, log)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errStopped) {
			return err
		}
		if errors.Is(err, errIdle) {
			backoff, idle = m.cfg.PollInterval, true
			continue
		}
		if errors.Is(err, errYield) {
			backoff = m.cfg.PollInterval
			continue
		}
		log.Warn("sender session ended; retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// session waits for the signer's lock, reconciles and runs the send loop until an error.
func (m *Manager) session(ctx context.Context, signer Signer, log *slog.Logger) error {
	addr := signer.Address()
	key := lockObject(m.cfg.ChainID, addr)
	var conn *pgx.Conn
	for waited := false; conn == nil; waited = true {
		if err := m.takeSlot(ctx); err != nil {
			return err
		}
		pconn, err := m.cfg.DB.Acquire(ctx)
		if err != nil {
			m.giveSlot()
			return fmt.Errorf("acquiring a connection: %w", err)
		}
		var ok bool
		if err := pconn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockClass, key).Scan(&ok); err != nil {
			pconn.Release()
			m.giveSlot()
			return fmt.Errorf("taking the sender lock: %w", err)
		}
		if ok {
			// The session now holds the lock: the connection leaves the pool for good, and closing
			// it at the end is the one sure way to release the lock whatever state it is in.
			conn = pconn.Hijack()
			break
		}
		pconn.Release() // a standby holds no connection and no slot between tries
		m.giveSlot()
		if !waited {
			log.Info("another replica sends for this signer; standing by")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(m.cfg.PollInterval):
		}
	}
	defer m.giveSlot()
	defer conn.Close(context.WithoutCancel(ctx))
	wake, _ := m.signerWake(addr)
	m.met.active.WithLabelValues(addr.Hex()).Set(1)
	defer m.met.active.WithLabelValues(addr.Hex()).Set(0)
	defer m.clearGauges(addr)

	s := &sender{m: m, conn: conn, signer: signer, addr: addr, log: log}
	if err := s.reconcile(ctx); err != nil {
		return err
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for rounds := 1; ; rounds++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		case <-wake:
		}
		idle, err := s.tick(ctx)
		switch {
		case err != nil:
			if errors.Is(err, errStopped) || conn.IsClosed() || ctx.Err() != nil {
				return err
			}
			log.Warn("sender round failed; retrying", "err", err)
		case idle:
			log.Debug("nothing queued or in flight; letting go of the signer")
			return errIdle
		case rounds >= sessionSlice && m.waiting.Load() > 0:
			log.Debug("other signers wait for a session; letting go for now")
			return errYield
		}
		timer.Reset(m.cfg.PollInterval)
	}
}

// takeSlot waits for one of Config.MaxSessions session slots, in turn with the other signers.
func (m *Manager) takeSlot(ctx context.Context) error {
	select {
	case m.slots <- struct{}{}:
		return nil
	default:
	}
	m.waiting.Add(1)
	defer m.waiting.Add(-1)
	select {
	case m.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// giveSlot returns a slot taken by takeSlot.
func (m *Manager) giveSlot() { <-m.slots }

// reconcile runs when a sender takes over (at start, after a crash, after another replica let
// go): it makes sure the signer's nonce row exists. Everything else a restart needs is what every
// round does anyway: persisted attempts the node lacks are re-sent, receipts are re-read.
func (s *sender) reconcile(ctx context.Context) error {
	pending, err := s.m.cfg.Client.PendingNonceAt(ctx, s.addr)
	if err != nil {
		return fmt.Errorf("reading pending nonce: %w", err)
	}
	var next int64
	err = s.conn.QueryRow(ctx, `
INSERT INTO txmgr_nonces (chain_id, signer, next_nonce) VALUES ($1, $2, $3)
ON CONFLICT (chain_id, signer) DO UPDATE SET chain_id = EXCLUDED.chain_id
RETURNING next_nonce`, int64(s.m.cfg.ChainID), s.addr.Bytes(), int64(pending)).Scan(&next)
	if err != nil {
		return fmt.Errorf("reading next nonce: %w", err)
	}
	s.log.Info("sender active", "next_nonce", next, "pending_nonce", pending)
	return nil
}

// inflight is a transaction with a nonce that is not yet final.
type inflight struct {
	id          int64
	nonce       uint64
	state       State
	to          common.Address
	data        []byte
	value       *big.Int
	gas         uint64
	blockNumber uint64
	blockHash   common.Hash
	reverted    bool
	createdAt   time.Time
	lastSentAt  time.Time
	attempts    []attempt // newest first
}

// attempt is one signed version of a transaction.
type attempt struct {
	seq    int
	tx     *types.Transaction
	raw    []byte
	feeCap *big.Int
	tipCap *big.Int
}

// round is what one tick learns from the node, read once.
type round struct {
	head     *types.Header
	latest   uint64 // the signer's nonce at the head
	pending  uint64 // the signer's nonce including the node's pool
	finalNon *uint64
	tip      *big.Int // the node's suggested priority fee, or nil
}

// tick is one round of the sender (work), then the signer's gauges. idle: after the round, the
// signer has no transaction queued, sent, or mined but not final.
func (s *sender) tick(ctx context.Context) (idle bool, err error) {
	if err := s.work(ctx); err != nil {
		return false, err
	}
	return s.updateGauges(ctx)
}

// work tracks what is in flight, re-sends what the node lacks, replaces what is stuck, then
// assigns nonces to queued transactions and sends them.
func (s *sender) work(ctx context.Context) error {
	c := s.m.cfg.Client
	var r round
	var err error
	if r.head, err = c.HeaderByNumber(ctx, nil); err != nil {
		return fmt.Errorf("reading head: %w", err)
	}
	txs, err := s.loadInflight(ctx)
	if err != nil {
		return err
	}
	if r.latest, err = c.NonceAt(ctx, s.addr, r.head.Number); err != nil {
		return fmt.Errorf("reading nonce at %d: %w", r.head.Number, err)
	}
	for _, t := range txs {
		// One transaction the node cannot answer for must not hold up the others: log and move
		// on. A lost database session shows in the next statement, which ends the round.
		if err := s.track(ctx, &r, t); err != nil {
			if s.conn.IsClosed() || ctx.Err() != nil {
				return fmt.Errorf("tracking transaction %d: %w", t.id, err)
			}
			s.log.Warn("tracking transaction", "tx_id", t.id, "nonce", t.nonce, "err", err)
		}
	}
	if r.pending, err = c.PendingNonceAt(ctx, s.addr); err != nil {
		return fmt.Errorf("reading pending nonce: %w", err)
	}
	sent := 0
	for _, t := range txs {
		if t.state == StateSent {
			sent++
		}
	}
	if err := s.resendLost(ctx, &r, txs); err != nil {
		return err
	}
	if err := s.replaceStuck(ctx, &r, txs); err != nil {
		return err
	}
	return s.assign(ctx, &r, sent)
}

const selectInflight = `
SELECT id, nonce, state, to_addr, data, value::text, gas, coalesce(block_number, 0), block_hash, reverted,
       created_at, coalesce(last_sent_at, created_at)
FROM txmgr_txs
WHERE chain_id = $1 AND signer = $2 AND state IN ('sent', 'mined')
ORDER BY nonce`

const selectAttempts = `
SELECT a.tx_id, a.seq, a.raw, a.gas_fee_cap::text, a.gas_tip_cap::text
FROM txmgr_attempts a JOIN txmgr_txs t ON t.id = a.tx_id AND t.nonce = a.nonce
WHERE a.tx_id = ANY($1)
ORDER BY a.tx_id, a.seq DESC`

// loadInflight reads the signer's transactions that have a nonce and are not final, in nonce
// order, with their attempts for that nonce.
func (s *sender) loadInflight(ctx context.Context) ([]*inflight, error) {
	rows, err := s.conn.Query(ctx, selectInflight, int64(s.m.cfg.ChainID), s.addr.Bytes())
	if err != nil {
		return nil, fmt.Errorf("reading transactions in flight: %w", err)
	}
	byID := make(map[int64]*inflight)
	var out []*inflight
	var ids []int64
	for rows.Next() {
		var (
			t          inflight
			nonce, gas int64
			block      int64
			to, bhash  []byte
			value      string
			state      string
		)
		if err := rows.Scan(&t.id, &nonce, &state, &to, &t.data, &value, &gas, &block, &bhash, &t.reverted,
			&t.createdAt, &t.lastSentAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading transactions in flight: %w", err)
		}
		t.nonce, t.gas, t.blockNumber, t.state = uint64(nonce), uint64(gas), uint64(block), State(state)
		t.to, t.blockHash = common.BytesToAddress(to), common.BytesToHash(bhash)
		t.value, _ = new(big.Int).SetString(value, 10)
		byID[t.id] = &t
		out = append(out, &t)
		ids = append(ids, t.id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading transactions in flight: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = s.conn.Query(ctx, selectAttempts, ids)
	if err != nil {
		return nil, fmt.Errorf("reading attempts: %w", err)
	}
	for rows.Next() {
		var (
			id          int64
			a           attempt
			feeCap, tip string
		)
		if err := rows.Scan(&id, &a.seq, &a.raw, &feeCap, &tip); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading attempts: %w", err)
		}
		a.tx = new(types.Transaction)
		if err := a.tx.UnmarshalBinary(a.raw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("decoding attempt %d of transaction %d: %w", a.seq, id, err)
		}
		a.feeCap, _ = new(big.Int).SetString(feeCap, 10)
		a.tipCap, _ = new(big.Int).SetString(tip, 10)
		byID[id].attempts = append(byID[id].attempts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading attempts: %w", err)
	}
	for _, t := range out {
		if len(t.attempts) == 0 {
			return nil, fmt.Errorf("transaction %d has nonce %d but no signed attempt", t.id, t.nonce)
		}
	}
	return out, nil
}

// updateGauges sets the signer's gauges of non-terminal states; idle when all are zero.
func (s *sender) updateGauges(ctx context.Context) (idle bool, err error) {
	counts := map[State]float64{StateQueued: 0, StateSent: 0, StateMined: 0}
	rows, err := s.conn.Query(ctx, `
SELECT state, count(*) FROM txmgr_txs
WHERE chain_id = $1 AND signer = $2 AND `+pendingStates+` GROUP BY state`,
		int64(s.m.cfg.ChainID), s.addr.Bytes())
	if err != nil {
		return false, fmt.Errorf("counting transactions: %w", err)
	}
	idle = true
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return false, fmt.Errorf("counting transactions: %w", err)
		}
		counts[State(st)] = float64(n)
		idle = idle && n == 0
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("counting transactions: %w", err)
	}
	for st, n := range counts {
		s.m.met.txs.WithLabelValues(s.addr.Hex(), string(st)).Set(n)
	}
	return idle, nil
}

// clearGauges drops the signer's state gauges when this process stops sending for it, so that
// summing over replicas counts each transaction once.
func (m *Manager) clearGauges(addr common.Address) {
	for _, st := range []State{StateQueued, StateSent, StateMined} {
		m.met.txs.DeleteLabelValues(addr.Hex(), string(st))
	}
}
