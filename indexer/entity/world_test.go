package entity_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
)

// Roles of the dev keys in a world.
const (
	keyAdmin     = 0 // treasury, factory and project admin
	keyOTP       = 1 // the projects' OTP server
	firstVendor  = 2 // keys 2..2+vendorKeys-1 are vendors
	vendorKeys   = 4
	keySpare     = 6 // a token owner that comes and goes
	worldAccount = 8

	// txGas is the gas limit of ordinary transactions: generous, as a new storage slot costs about
	// 100,000 gas on the dev chain, and fixed, so that no estimation runs against pending state.
	txGas = 1_500_000
)

// world is a dev chain with Rahat deployed, plus a model of the programme played on it that is
// good enough to choose actions that succeed. After a reorg, sync re-reads the model from the chain.
type world struct {
	t      testing.TB
	chain  *devchain.Chain
	client *ethclient.Client
	keys   []*ecdsa.PrivateKey
	addrs  []common.Address
	nonces map[int]uint64
	rng    *rand.Rand
	sent   []common.Hash // transactions sent since the last mine

	treasury, factory common.Address
	deployBlock       uint64
	tokens            []common.Address
	projects          []*wproject
	// people are every beneficiary address ever used, with its key (for offline vouchers).
	people  []common.Address
	peopleK map[common.Address]*ecdsa.PrivateKey
	// held is the model's token balance of vendors and the spare key: (token, holder).
	held map[[2]common.Address]*big.Int
	// owners is whether the spare key owns a token.
	owners map[common.Address]bool
	// strict fails the test when a transaction reverts (off when reorgs make the model guess).
	strict bool
}

type wproject struct {
	addr, token       common.Address
	budget, allocated *big.Int
	bens              map[common.Address]*wben
	vendors           map[common.Address]bool // approved now
	wasVendor         map[common.Address]bool
	claims            []*wclaim // claim id i is claims[i-1]
	voucherNonce      int64
}

type wben struct {
	registered      bool
	alloc, reserved *big.Int // reserved: the sum of open claims' amounts
}

type wclaim struct {
	vendor, ben common.Address
	amount      *big.Int
	code        string
	hasCode     bool
	settled     bool
}

func (p *wproject) free() *big.Int { return new(big.Int).Sub(p.budget, p.allocated) }

func (b *wben) spendable() *big.Int { return new(big.Int).Sub(b.alloc, b.reserved) }

// newWorld starts a dev chain (blocks on demand) and deploys the treasury and the factory.
func newWorld(t testing.TB, seed uint64) *world {
	t.Helper()
	c, err := devchain.Start(t.Context(), devchain.Config{Accounts: worldAccount, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("starting dev chain: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	w := &world{t: t, chain: c, client: c.Client(), keys: c.Keys(), addrs: c.Accounts(), nonces: map[int]uint64{},
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), peopleK: map[common.Address]*ecdsa.PrivateKey{},
		held: map[[2]common.Address]*big.Int{}, owners: map[common.Address]bool{}, strict: true}
	ctx := testCtx(t, time.Minute)
	w.treasury, _, _, err = bindings.DeployRahatTreasury(w.opts(ctx, keyAdmin, 5_000_000), w.client, w.addrs[keyAdmin])
	if err != nil {
		t.Fatalf("deploying treasury: %v", err)
	}
	w.factory, _, _, err = bindings.DeployRahatProjectFactory(w.opts(ctx, keyAdmin, 5_000_000), w.client, w.addrs[keyAdmin], w.treasury)
	if err != nil {
		t.Fatalf("deploying factory: %v", err)
	}
	w.mine(ctx)
	w.deployBlock = w.head()
	return w
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// opts returns transact options for key with a counted nonce and a fixed gas limit, so that a
// transaction that would revert is still mined (without logs) instead of failing estimation.
func (w *world) opts(ctx context.Context, key int, gas uint64) *bind.TransactOpts {
	o, err := bind.NewKeyedTransactorWithChainID(w.keys[key], big.NewInt(devchain.ChainID))
	if err != nil {
		w.t.Fatalf("transactor: %v", err)
	}
	o.Context, o.GasLimit = ctx, gas
	n, ok := w.nonces[key]
	if !ok {
		latest, err := w.client.NonceAt(ctx, w.addrs[key], nil)
		if err != nil {
			w.t.Fatalf("reading nonce: %v", err)
		}
		n = latest
	}
	w.nonces[key] = n + 1
	o.Nonce = new(big.Int).SetUint64(n)
	return o
}

// sentTx records a sent transaction (or fails the test on a send error).
func (w *world) sentTx(tx *types.Transaction, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("sending transaction: %v", err)
	}
	w.sent = append(w.sent, tx.Hash())
}

// mine seals one block and, in strict mode, checks that every transaction sent for it succeeded.
func (w *world) mine(ctx context.Context) {
	w.t.Helper()
	w.waitPool(ctx)
	if _, err := w.chain.Mine(ctx, 1); err != nil {
		w.t.Fatalf("mining: %v", err)
	}
	sent := w.sent
	w.sent = nil
	for _, h := range sent {
		r, err := w.client.TransactionReceipt(ctx, h)
		if err != nil {
			tx, pending, terr := w.client.TransactionByHash(ctx, h)
			var info string
			if terr == nil {
				from, _ := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
				n, _ := w.client.NonceAt(ctx, from, nil)
				info = fmt.Sprintf("pending=%v nonce=%d account nonce=%d from=%s gas=%d feecap=%s tip=%s", pending, tx.Nonce(), n, from, tx.Gas(), tx.GasFeeCap(), tx.GasTipCap())
			}
			blk, _ := w.client.BlockByNumber(ctx, nil)
			w.t.Fatalf("receipt of %s (block %d, %d txs, gas used %d of %d, base fee %s): %v %s %v", h, w.head(),
				len(blk.Transactions()), blk.GasUsed(), blk.GasLimit(), blk.BaseFee(), err, info, terr)
		}
		if r.Status != types.ReceiptStatusSuccessful && w.strict {
			w.t.Fatalf("transaction %s reverted in block %d: %s", h, r.BlockNumber, w.revertReason(ctx, h, r.BlockNumber))
		}
	}
}

func (w *world) head() uint64 { return w.chain.Head().Latest.Number }

func (w *world) headTime(ctx context.Context) uint64 {
	h, err := w.client.HeaderByNumber(ctx, nil)
	if err != nil {
		w.t.Fatalf("reading head: %v", err)
	}
	return h.Time
}

func (w *world) vendorAddr(i int) common.Address { return w.addrs[firstVendor+i] }

// person returns a new beneficiary address with a deterministic key.
func (w *world) person() common.Address {
	var seed [32]byte
	binary.BigEndian.PutUint64(seed[:], w.rng.Uint64())
	binary.BigEndian.PutUint64(seed[8:], uint64(len(w.people))+1)
	k, err := crypto.ToECDSA(crypto.Keccak256(seed[:]))
	if err != nil {
		w.t.Fatalf("beneficiary key: %v", err)
	}
	a := crypto.PubkeyToAddress(k.PublicKey)
	w.people = append(w.people, a)
	w.peopleK[a] = k
	return a
}

func (w *world) heldOf(tok, a common.Address) *big.Int {
	if v := w.held[[2]common.Address{tok, a}]; v != nil {
		return v
	}
	return new(big.Int)
}

func (w *world) addHeld(tok, a common.Address, d *big.Int) {
	w.held[[2]common.Address{tok, a}] = new(big.Int).Add(w.heldOf(tok, a), d)
}

// setup creates tokens and projects, funds them, approves vendors and registers beneficiaries:
// the blocks every programme starts with.
func (w *world) setup(ctx context.Context, nTokens, nProjects int) {
	w.t.Helper()
	tr, err := bindings.NewRahatTreasury(w.treasury, w.client)
	if err != nil {
		w.t.Fatal(err)
	}
	for i := range nTokens {
		w.sentTx(tr.CreateToken(w.opts(ctx, keyAdmin, 5_000_000), fmt.Sprintf("Aid %d", i), fmt.Sprintf("AID%d", i), uint8(2+i*4)))
	}
	w.mine(ctx)
	w.sync(ctx)
	f, err := bindings.NewRahatProjectFactory(w.factory, w.client)
	if err != nil {
		w.t.Fatal(err)
	}
	for i := range nProjects {
		tok := w.tokens[i%len(w.tokens)]
		w.sentTx(f.CreateProject(w.opts(ctx, keyAdmin, 10_000_000), fmt.Sprintf("Project %d", i), tok, w.addrs[keyAdmin], w.addrs[keyOTP]))
	}
	w.mine(ctx)
	w.sync(ctx)
	for _, p := range w.projects {
		pb := w.project(p)
		w.fund(ctx, p, big.NewInt(int64(50_000+w.rng.IntN(50_000))))
		w.sentTx(pb.SetWalkInAllowance(w.opts(ctx, keyAdmin, txGas), big.NewInt(500)))
		for v := range vendorKeys - 1 {
			w.sentTx(pb.UpdateVendor(w.opts(ctx, keyAdmin, txGas), w.vendorAddr(v), true))
			p.vendors[w.vendorAddr(v)], p.wasVendor[w.vendorAddr(v)] = true, true
		}
		w.addBeneficiaries(ctx, p, 8)
	}
	w.mine(ctx)
}

func (w *world) project(p *wproject) *bindings.RahatProject {
	pb, err := bindings.NewRahatProject(p.addr, w.client)
	if err != nil {
		w.t.Fatal(err)
	}
	return pb
}

func (w *world) token(a common.Address) *bindings.RahatToken {
	tb, err := bindings.NewRahatToken(a, w.client)
	if err != nil {
		w.t.Fatal(err)
	}
	return tb
}

// fund mints amount to the treasury with an allowance and pulls it into the project's budget.
func (w *world) fund(ctx context.Context, p *wproject, amount *big.Int) {
	tr, err := bindings.NewRahatTreasury(w.treasury, w.client)
	if err != nil {
		w.t.Fatal(err)
	}
	w.sentTx(tr.MintTokenAndApprove(w.opts(ctx, keyAdmin, txGas), p.token, p.addr, amount))
	w.sentTx(w.project(p).IncreaseTokenBudget(w.opts(ctx, keyAdmin, txGas), w.treasury, amount))
	p.budget = new(big.Int).Add(p.budget, amount)
}

func (w *world) addBeneficiaries(ctx context.Context, p *wproject, n int) {
	list := make([]common.Address, n)
	for i := range list {
		list[i] = w.person()
		p.bens[list[i]] = &wben{registered: true, alloc: new(big.Int), reserved: new(big.Int)}
	}
	w.sentTx(w.project(p).AddBeneficiaries(w.opts(ctx, keyAdmin, uint64(200_000+150_000*n)), list))
}

// revertReason replays a reverted transaction at its block's parent state to explain it.
func (w *world) revertReason(ctx context.Context, h common.Hash, block *big.Int) string {
	tx, _, err := w.client.TransactionByHash(ctx, h)
	if err != nil {
		return err.Error()
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil {
		return err.Error()
	}
	_, err = w.client.CallContract(ctx, ethereum.CallMsg{From: from, To: tx.To(), Gas: tx.Gas(), Data: tx.Data()},
		new(big.Int).Sub(block, big.NewInt(1)))
	return fmt.Sprintf("selector %x from %s: %v (%v)", tx.Data()[:4], from, err, revertOf(err))
}

func revertOf(err error) string {
	if r, ok := contracts.RevertOf(err); ok {
		return r.String()
	}
	return "no revert data"
}

// waitPool waits until the pool holds every transaction sent for the next block as executable.
// The pool catches up with a new head on a goroutine of its own; a block sealed before it has seen
// the previous block would leave out transactions whose nonces follow that block's (devchain's
// Mine syncs the pool, but can run before the pool has received the head event).
func (w *world) waitPool(ctx context.Context) {
	w.t.Helper()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		var st struct{ Pending, Queued hexutil.Uint }
		if err := w.client.Client().CallContext(ctx, &st, "txpool_status"); err != nil {
			w.t.Fatalf("reading pool status: %v", err)
		}
		if int(st.Pending) >= len(w.sent) && st.Queued == 0 {
			return
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("waiting for the pool to hold %d transactions: %v (pending %d, queued %d)", len(w.sent), ctx.Err(), st.Pending, st.Queued)
		case <-tick.C:
		}
	}
}
