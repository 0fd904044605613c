package txmgr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/params"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// NotifyChannel is the Postgres channel on which every new transaction and every change of its
// state, hash or block is announced, with the JSON payload
// {"id":1,"state":"mined","ref":"..","kind":"..","signer":"0x..","hash":"0x.."|null}. A trigger
// sends it inside the changing transaction, so listeners hear only of committed changes.
const NotifyChannel = "rahat_txs"

// State is where a transaction stands in its life.
type State string

// The states of a transaction. queued -> sent -> mined -> final is the normal path; a reorg moves
// mined back to sent; failed is terminal.
const (
	// StateQueued: in the outbox, no nonce yet.
	StateQueued State = "queued"
	// StateSent: nonce assigned and a signed attempt persisted; broadcast, or about to be re-sent
	// (see doc.go). Replacements keep the state and change the hash.
	StateSent State = "sent"
	// StateMined: in a canonical block, fewer than Config.Confirmations blocks deep. Error holds
	// the revert reason when the execution reverted; such a transaction becomes failed when final.
	StateMined State = "mined"
	// StateFinal: succeeded, and Config.Confirmations blocks deep. Terminal.
	StateFinal State = "final"
	// StateFailed: reverted (on chain, final; or already in the gas estimate, then without a
	// nonce), Error says why. Terminal.
	StateFailed State = "failed"
)

// Terminal reports whether s never changes again.
func (s State) Terminal() bool { return s == StateFinal || s == StateFailed }

var (
	// ErrNotFound is returned by Get and Wait for an unknown id.
	ErrNotFound = errors.New("txmgr: transaction not found")
	// ErrUnknownSigner is returned (wrapped) for a signer that is not one of Config.Keys.
	ErrUnknownSigner = errors.New("txmgr: unknown signer")
	// ErrInvalidRequest is returned (wrapped) by Enqueue for a malformed Request.
	ErrInvalidRequest = errors.New("txmgr: invalid request")
	// ErrUnreachable is returned (wrapped) by Wait when the transaction ended in a terminal state
	// other than the ones waited for; the Tx is returned alongside.
	ErrUnreachable = errors.New("txmgr: transaction ended in another state")
)

// Request is one transaction to send.
type Request struct {
	// Signer sends the transaction; it must be one of Config.Keys.
	Signer common.Address
	// To is the recipient or contract called. Contract creation is not supported.
	To common.Address
	// Data is the call data.
	Data []byte
	// Value is the wei sent along; nil means none.
	Value *big.Int
	// GasLimit, when not 0, is used as is; 0 estimates and adds Config.GasMargin.
	GasLimit uint64
	// Kind says what the transaction does, e.g. "distribution", "claim", "otp", "redeem" (at most
	// 64 bytes).
	Kind string
	// Ref is the caller's reference, e.g. a distribution id (at most 256 bytes); ListByRef finds it.
	Ref string
	// After, when not 0, is the id of a transaction (of any signer, on the same chain) that must
	// be mined before this one is sent; if it fails, this one fails too without being sent. While
	// it waits, the signer's later transactions wait behind it, in order. Once it is mined, a
	// gas estimate that reverts is retried until it is final, not failed at once.
	After int64
}

// Tx is a transaction as the manager records it.
type Tx struct {
	ID     int64
	Signer common.Address
	To     common.Address
	// Nonce is nil while queued (and for a transaction that failed before it got one).
	Nonce *uint64
	// Hash is the mined attempt once mined, else the latest signed attempt; nil while queued.
	Hash  *common.Hash
	State State
	// Error is the decoded revert reason (e.g. "InsufficientBudget(budget=1, amount=2)"), or why the
	// transaction failed or was requeued; "" otherwise.
	Error string
	Kind  string
	Ref   string
	// Attempts counts signed versions: 1, plus one per fee-bumped replacement.
	Attempts int
	// BlockNumber, BlockHash and GasUsed describe the including block once mined.
	BlockNumber *uint64
	BlockHash   *common.Hash
	GasUsed     *uint64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Manager sends the outbox's transactions and tracks them to finality. Its methods are safe for
// concurrent use; Run is called once.
type Manager struct {
	cfg     Config
	log     *slog.Logger
	met     *metrics
	chainID *big.Int
	hub     *hub
	hooks   hooks

	// slots holds a token for every signer with a session (Config.MaxSessions); waiting counts
	// the signers blocked on it: a sender whose turn has lasted lets go while it is not zero, and
	// rahat_txmgr_sessions_waiting reads it.
	slots   chan struct{}
	waiting atomic.Int32

	refMu    sync.Mutex
	refusals map[refusalKey]rejection // the node's refusals last logged as warnings (see refused)

	mu    sync.Mutex
	wake  map[common.Address]chan struct{} // pokes a signer's sender when work is queued
	spawn func(Signer)                     // starts a signer's sender while Run runs; nil otherwise
}

// signerWake returns the wake channel of addr. An address the key source learned after New (a vendor
// key the API just created) is adopted here: it gets a channel and, while Run runs, a sender.
func (m *Manager) signerWake(addr common.Address) (chan struct{}, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ch, ok := m.wake[addr]; ok {
		return ch, true
	}
	s, err := m.cfg.Keys.Signer(addr)
	if err != nil {
		return nil, false
	}
	ch := make(chan struct{}, 1)
	m.wake[addr] = ch
	if m.spawn != nil {
		m.spawn(s)
	}
	return ch, true
}

// hooks let tests stop the sender at exact points, as a crash would.
type hooks struct {
	// afterPersist runs after nonces and signed attempts are committed and before they are
	// broadcast; an error ends Run with it, without broadcasting.
	afterPersist afterPersistHook
}

type afterPersistHook func(ids []int64) error

// New validates cfg, registers the metrics and returns a Manager. It does not start sending: call
// Run (in every replica; one sender per signer is active at a time).
func New(cfg Config) (*Manager, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Manager{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "txmgr", "chain_id", cfg.ChainID),
		chainID: new(big.Int).SetUint64(cfg.ChainID),
		hub:     newHub(),
		wake:    make(map[common.Address]chan struct{}),
		slots:   make(chan struct{}, cfg.MaxSessions),

		refusals: map[refusalKey]rejection{},
	}
	var err error
	if m.met, err = newMetrics(cfg.Registry, func() float64 { return float64(m.waiting.Load()) }); err != nil {
		return nil, err
	}
	for _, a := range cfg.Keys.Addresses() {
		m.wake[a] = make(chan struct{}, 1)
	}
	return m, nil
}

// maxDataLen bounds call data: a node refuses transactions over 128 KB.
const maxDataLen = 120 * 1024

const insertTx = `
INSERT INTO txmgr_txs (chain_id, signer, to_addr, data, value, gas_limit, kind, ref, after_tx)
VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, $8, $9)
RETURNING id`

// Enqueue writes req to the outbox inside the caller's transaction tx, so that it commits or
// rolls back with the caller's own rows, and returns its id. No nonce is assigned yet: the sender
// picks the transaction up after the commit (woken by the notification).
func (m *Manager) Enqueue(ctx context.Context, tx pgx.Tx, req Request) (int64, error) {
	if _, ok := m.signerWake(req.Signer); !ok {
		return 0, fmt.Errorf("enqueueing transaction: %w: %s", ErrUnknownSigner, req.Signer)
	}
	value := req.Value
	if value == nil {
		value = new(big.Int)
	}
	switch {
	case value.Sign() < 0:
		return 0, fmt.Errorf("%w: negative value", ErrInvalidRequest)
	case len(req.Data) > maxDataLen:
		return 0, fmt.Errorf("%w: %d bytes of call data exceed %d", ErrInvalidRequest, len(req.Data), maxDataLen)
	case req.GasLimit > params.MaxTxGas:
		return 0, fmt.Errorf("%w: gas limit %d exceeds the per-transaction cap %d", ErrInvalidRequest, req.GasLimit, params.MaxTxGas)
	case len(req.Kind) > 64:
		return 0, fmt.Errorf("%w: kind longer than 64 bytes", ErrInvalidRequest)
	case len(req.Ref) > 256:
		return 0, fmt.Errorf("%w: ref longer than 256 bytes", ErrInvalidRequest)
	case req.To == (common.Address{}):
		return 0, fmt.Errorf("%w: no recipient (contract creation is not supported)", ErrInvalidRequest)
	case req.After < 0:
		return 0, fmt.Errorf("%w: After %d is not a transaction id", ErrInvalidRequest, req.After)
	}
	var after *int64
	if req.After != 0 {
		var chain int64
		err := tx.QueryRow(ctx, `SELECT chain_id FROM txmgr_txs WHERE id = $1`, req.After).Scan(&chain)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && chain != int64(m.cfg.ChainID)) {
			return 0, fmt.Errorf("%w: After: no transaction %d on chain %d", ErrInvalidRequest, req.After, m.cfg.ChainID)
		}
		if err != nil {
			return 0, fmt.Errorf("enqueueing %s transaction: reading transaction %d: %w", req.Kind, req.After, err)
		}
		after = &req.After
	}
	data := req.Data
	if data == nil {
		data = []byte{}
	}
	var id int64
	err := tx.QueryRow(ctx, insertTx, int64(m.cfg.ChainID), req.Signer.Bytes(), req.To.Bytes(), data,
		value.String(), int64(req.GasLimit), req.Kind, req.Ref, after).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("enqueueing %s transaction from %s: %w", req.Kind, req.Signer, err)
	}
	return id, nil
}

// Run sends and tracks the transactions of every configured signer until ctx ends, then returns
// nil. Each signer's sender first takes the signer's advisory lock, so that with several replicas
// exactly one sends for a signer while the others stand by. Run also listens on NotifyChannel to
// wake senders and waiters early. Errors talking to the node or the database are logged and
// retried; Run returns an error only for a misconfiguration it cannot recover from.
func (m *Manager) Run(ctx context.Context) error {
	// A node that is down at start is waited for; a node of another chain is a misconfiguration.
	var id *big.Int
	for backoff := m.cfg.PollInterval; ; backoff = min(backoff*2, 30*time.Second) {
		var err error
		if id, err = m.cfg.Client.ChainID(ctx); err == nil {
			break
		}
		m.log.Warn("reading the node's chain id; retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
	if id.Cmp(m.chainID) != 0 {
		return fmt.Errorf("txmgr: the node serves chain %s, configured for %d", id, m.cfg.ChainID)
	}
	// Every signer's sender waits, holding nothing, for a wake-up: the listener wakes those with
	// work as soon as it listens (a restart must not open a session, and a connection, per vendor
	// key), and the others at their first enqueue.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { m.listen(gctx); return nil })
	g.Go(func() error { m.recheck(gctx); return nil })
	m.mu.Lock()
	for _, addr := range m.cfg.Keys.Addresses() {
		signer, err := m.cfg.Keys.Signer(addr)
		if err != nil {
			m.mu.Unlock()
			return fmt.Errorf("txmgr: signer %s: %w", addr, err)
		}
		if _, ok := m.wake[addr]; !ok {
			m.wake[addr] = make(chan struct{}, 1)
		}
		g.Go(func() error { return m.runSigner(gctx, signer, true) })
	}
	// A signer adopted while Run runs is adopted by its first enqueue: its sender starts at once.
	m.spawn = func(s Signer) { g.Go(func() error { return m.runSigner(gctx, s, false) }) }
	m.mu.Unlock()
	err := g.Wait()
	m.mu.Lock()
	m.spawn = nil
	m.mu.Unlock()
	return err
}

// pendingStates are the states of a transaction a signer still has work for: queued, sent, or
// mined but not final. A signer with none is idle (its sender lets go, see doc.go).
const pendingStates = `state IN ('queued', 'sent', 'mined')`

// busySigners returns the signers with a transaction in pendingStates.
func (m *Manager) busySigners(ctx context.Context) (map[common.Address]bool, error) {
	rows, err := m.cfg.DB.Query(ctx, `SELECT DISTINCT signer FROM txmgr_txs WHERE chain_id = $1 AND `+pendingStates,
		int64(m.cfg.ChainID))
	if err != nil {
		return nil, fmt.Errorf("listing the signers with work: %w", err)
	}
	busy := map[common.Address]bool{}
	var signer []byte
	_, err = pgx.ForEachRow(rows, []any{&signer}, func() error {
		busy[common.BytesToAddress(signer)] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the signers with work: %w", err)
	}
	return busy, nil
}

const selectTx = `
SELECT id, signer, to_addr, nonce, hash, state, error, kind, ref, attempts, block_number, block_hash,
       gas_used, created_at, updated_at
FROM txmgr_txs`

// Get returns transaction id, or ErrNotFound.
func (m *Manager) Get(ctx context.Context, id int64) (Tx, error) {
	rows, err := m.cfg.DB.Query(ctx, selectTx+` WHERE id = $1`, id)
	if err != nil {
		return Tx{}, fmt.Errorf("reading transaction %d: %w", id, err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTx)
	if errors.Is(err, pgx.ErrNoRows) {
		return Tx{}, fmt.Errorf("transaction %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Tx{}, fmt.Errorf("reading transaction %d: %w", id, err)
	}
	return t, nil
}

// ListByRef returns the transactions enqueued with ref, in the order they were enqueued.
func (m *Manager) ListByRef(ctx context.Context, ref string) ([]Tx, error) {
	rows, err := m.cfg.DB.Query(ctx, selectTx+` WHERE ref = $1 ORDER BY id`, ref)
	if err != nil {
		return nil, fmt.Errorf("listing transactions of %q: %w", ref, err)
	}
	txs, err := pgx.CollectRows(rows, scanTx)
	if err != nil {
		return nil, fmt.Errorf("listing transactions of %q: %w", ref, err)
	}
	return txs, nil
}

// Wait blocks until transaction id is in one of states (in any terminal state when none is given)
// and returns it. If the transaction ends in another terminal state, Wait returns it with an error
// wrapping ErrUnreachable; if ctx ends first, the last state seen with ctx's error. Notifications
// wake it when Run is active in this process; otherwise it polls every Config.PollInterval.
func (m *Manager) Wait(ctx context.Context, id int64, states ...State) (Tx, error) {
	if len(states) == 0 {
		states = []State{StateFinal, StateFailed}
	}
	ch, cancel := m.hub.subscribe(id)
	defer cancel()
	timer := time.NewTimer(m.cfg.PollInterval)
	defer timer.Stop()
	for {
		t, err := m.Get(ctx, id)
		switch {
		case err != nil:
			return t, err
		case slices.Contains(states, t.State):
			return t, nil
		case t.State.Terminal():
			return t, fmt.Errorf("waiting for transaction %d to be %v: %w: %s %s", id, states, ErrUnreachable, t.State, t.Error)
		}
		timer.Reset(m.cfg.PollInterval)
		select {
		case <-ch:
		case <-timer.C:
		case <-ctx.Done():
			return t, fmt.Errorf("waiting for transaction %d: %w", id, ctx.Err())
		}
	}
}

func scanTx(row pgx.CollectableRow) (Tx, error) {
	var (
		t                       Tx
		signer, to, hash, bhash []byte
		nonce, block, gasUsed   *int64
		state                   string
	)
	err := row.Scan(&t.ID, &signer, &to, &nonce, &hash, &state, &t.Error, &t.Kind, &t.Ref, &t.Attempts,
		&block, &bhash, &gasUsed, &t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return Tx{}, err
	}
	t.Signer, t.To, t.State = common.BytesToAddress(signer), common.BytesToAddress(to), State(state)
	t.Nonce, t.BlockNumber, t.GasUsed = u64p(nonce), u64p(block), u64p(gasUsed)
	t.Hash, t.BlockHash = hashp(hash), hashp(bhash)
	return t, nil
}

func u64p(v *int64) *uint64 {
	if v == nil {
		return nil
	}
	u := uint64(*v)
	return &u
}

func hashp(b []byte) *common.Hash {
	if b == nil {
		return nil
	}
	h := common.BytesToHash(b)
	return &h
}
