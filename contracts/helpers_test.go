package contracts_test

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
)

// maxTxGas is the per-transaction gas cap of EIP-7825 (Osaka), which the simulated chain enforces.
const maxTxGas = 1 << 24

// simChainID is the chain id of every simulated backend.
var simChainID = big.NewInt(1337)

// actor is a funded account on the test chain.
type actor struct {
	name string
	key  *ecdsa.PrivateKey
	addr common.Address
}

func newActor(t *testing.T, name string) actor {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatalf("generating key for %s: %v", name, err)
	}
	return actor{name: name, key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
}

// chain is an in-process simulated chain; every transaction is mined by Commit right after it is sent.
type chain struct {
	t       *testing.T
	backend *simulated.Backend
	client  simulated.Client
}

func newChain(t *testing.T, actors ...actor) *chain {
	t.Helper()
	alloc := types.GenesisAlloc{}
	funds := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))
	for _, a := range actors {
		alloc[a.addr] = types.Account{Balance: funds}
	}
	b := simulated.NewBackend(alloc)
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("closing simulated backend: %v", err)
		}
	})
	return &chain{t: t, backend: b, client: b.Client()}
}

func (c *chain) opts(a actor) *bind.TransactOpts {
	c.t.Helper()
	o, err := bind.NewKeyedTransactorWithChainID(a.key, simChainID)
	if err != nil {
		c.t.Fatalf("transactor for %s: %v", a.name, err)
	}
	o.Context = c.t.Context()
	return o
}

func (c *chain) call() *bind.CallOpts { return &bind.CallOpts{Context: c.t.Context()} }

// send runs one transaction as a, mines it and returns its successful receipt.
func (c *chain) send(a actor, what string, fn func(*opts) (*txn, error)) *types.Receipt {
	c.t.Helper()
	tx, err := fn(c.opts(a))
	if err != nil {
		if r, ok := contracts.RevertOf(err); ok {
			c.t.Fatalf("%s (as %s) reverted: %s", what, a.name, r)
		}
		c.t.Fatalf("%s (as %s): %v", what, a.name, err)
	}
	return c.mine(what, tx)
}

func (c *chain) mine(what string, tx *types.Transaction) *types.Receipt {
	c.t.Helper()
	c.backend.Commit()
	rcpt, err := bind.WaitMined(c.t.Context(), c.client, tx)
	if err != nil {
		c.t.Fatalf("%s: waiting for receipt: %v", what, err)
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		c.t.Fatalf("%s: transaction failed", what)
	}
	return rcpt
}

// revert asserts that fn, sent as a, reverts with the custom error want. want is either a bare name
// ("InvalidOtp") or the full rendering of Revert.String ("InvalidOtp(claimId=4)").
func (c *chain) revert(a actor, want string, fn func(*opts) (*txn, error)) {
	c.t.Helper()
	tx, err := fn(c.opts(a))
	if err == nil {
		c.backend.Commit()
		c.t.Fatalf("want revert %s, but the transaction %s was sent", want, tx.Hash())
	}
	r, ok := contracts.RevertOf(err)
	if !ok {
		c.t.Fatalf("want revert %s, got an error without revert data: %v", want, err)
	}
	got := r.Name
	if strings.Contains(want, "(") {
		got = r.String()
	}
	if got != want {
		c.t.Fatalf("want revert %s, got %s", want, r)
	}
}

// now returns the timestamp of the latest block.
func (c *chain) now() uint64 {
	c.t.Helper()
	h, err := c.client.HeaderByNumber(c.t.Context(), nil)
	if err != nil {
		c.t.Fatalf("latest header: %v", err)
	}
	return h.Time
}

// advance moves the chain's clock forward by mining an empty block d later. The simulated
// backend refuses while its pool still lists a pending transaction, and the pool drops the ones
// the last block mined on a background goroutine after the block: wait for that (every
// transaction sent here was mined before advance is called), then adjust.
func (c *chain) advance(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := c.backend.AdjustTime(d)
		switch {
		case err == nil:
			return
		case !strings.Contains(err.Error(), "non-empty block") || time.Now().After(deadline):
			c.t.Fatalf("adjusting time: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// events renders every log of a receipt as Name(arg=value, ...), decoded with the embedded ABIs, in order.
func events(t *testing.T, rcpt *types.Receipt) []string {
	t.Helper()
	out := make([]string, 0, len(rcpt.Logs))
	for _, l := range rcpt.Logs {
		out = append(out, decodeLog(t, l))
	}
	return out
}

func decodeLog(t *testing.T, l *types.Log) string {
	t.Helper()
	if len(l.Topics) == 0 {
		t.Fatalf("anonymous log at index %d", l.Index)
	}
	evs := contracts.EventsByTopic(l.Topics[0])
	if len(evs) == 0 {
		t.Fatalf("log %d: no embedded event has topic %s", l.Index, l.Topics[0])
	}
	ev := evs[0].Event
	values, err := ev.Inputs.NonIndexed().Unpack(l.Data)
	if err != nil {
		t.Fatalf("log %d: unpacking %s: %v", l.Index, ev.Sig, err)
	}
	var kv []any
	topic, nonIndexed := 1, 0
	for i, in := range ev.Inputs {
		name := in.Name
		if name == "" {
			name = fmt.Sprintf("arg%d", i)
		}
		if in.Indexed {
			kv = append(kv, name, topicValue(t, in.Type, l.Topics[topic]))
			topic++
		} else {
			kv = append(kv, name, values[nonIndexed])
			nonIndexed++
		}
	}
	return evt(ev.Name, kv...)
}

func topicValue(t *testing.T, typ abi.Type, topic common.Hash) any {
	t.Helper()
	switch typ.T {
	case abi.AddressTy:
		return common.BytesToAddress(topic[:])
	case abi.UintTy:
		return new(big.Int).SetBytes(topic[:])
	case abi.BoolTy:
		return topic[31] == 1
	default:
		return topic
	}
}

// evt renders an expected event the same way events renders a decoded one.
func evt(name string, kv ...any) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v=%s", kv[i], render(kv[i+1]))
	}
	b.WriteByte(')')
	return b.String()
}

func render(v any) string {
	switch x := v.(type) {
	case actor:
		return x.addr.Hex()
	case common.Address:
		return x.Hex()
	case common.Hash:
		return x.Hex()
	case [32]byte:
		return common.Hash(x).Hex()
	case *big.Int:
		return x.String()
	case int:
		return big.NewInt(int64(x)).String()
	default:
		return fmt.Sprint(x)
	}
}

// wantEvents compares the events of a receipt with the expected renderings.
func wantEvents(t *testing.T, what string, rcpt *types.Receipt, want ...string) {
	t.Helper()
	got := events(t, rcpt)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: events differ\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func bn(v int64) *big.Int { return big.NewInt(v) }

// wantUint asserts a uint256 read from the chain.
func wantUint(t *testing.T, what string, got *big.Int, err error, want int64) {
	t.Helper()
	if err != nil {
		t.Fatalf("reading %s: %v", what, err)
	}
	if got.Cmp(big.NewInt(want)) != 0 {
		t.Fatalf("%s = %s, want %d", what, got, want)
	}
}

// world is a deployed Rahat system: a treasury with one token, a factory with one project.
type world struct {
	*chain
	deployer, projectAdmin, otp, vendor, outsider actor
	bens                                          []actor

	treasury     *bindings.RahatTreasury
	treasuryAddr common.Address
	factory      *bindings.RahatProjectFactory
	factoryAddr  common.Address
	token        *bindings.RahatToken
	tokenAddr    common.Address
	project      *bindings.RahatProject
	projectAddr  common.Address
}

// setup deploys the treasury (admin deployer), a token "Rahat Aid Token" (RAT, 2 decimals), the factory and
// a project "Flood Relief" with projectAdmin and otp, and funds nbens beneficiary accounts.
func setup(t *testing.T, nbens int) *world {
	t.Helper()
	w := &world{
		deployer:     newActor(t, "deployer"),
		projectAdmin: newActor(t, "projectAdmin"),
		otp:          newActor(t, "otp"),
		vendor:       newActor(t, "vendor"),
		outsider:     newActor(t, "outsider"),
	}
	for i := range nbens {
		w.bens = append(w.bens, newActor(t, fmt.Sprintf("ben%d", i)))
	}
	all := append([]actor{w.deployer, w.projectAdmin, w.otp, w.vendor, w.outsider}, w.bens...)
	w.chain = newChain(t, all...)

	var err error
	var tx *types.Transaction
	w.treasuryAddr, tx, w.treasury, err = bindings.DeployRahatTreasury(w.opts(w.deployer), w.client, w.deployer.addr)
	if err != nil {
		t.Fatalf("deploying treasury: %v", err)
	}
	w.mine("deploy treasury", tx)
	w.factoryAddr, tx, w.factory, err = bindings.DeployRahatProjectFactory(w.opts(w.deployer), w.client, w.deployer.addr, w.treasuryAddr)
	if err != nil {
		t.Fatalf("deploying factory: %v", err)
	}
	w.mine("deploy factory", tx)

	w.tokenAddr, w.token = w.createToken("Rahat Aid Token", "RAT", 2)
	w.projectAddr, w.project = w.createProject("Flood Relief", w.tokenAddr, w.projectAdmin.addr, w.otp.addr)
	return w
}

func (w *world) createToken(name, symbol string, decimals uint8) (common.Address, *bindings.RahatToken) {
	w.t.Helper()
	rcpt := w.send(w.deployer, "createToken", func(o *opts) (*txn, error) {
		return w.treasury.CreateToken(o, name, symbol, decimals)
	})
	created, err := w.treasury.ParseTokenCreated(*rcpt.Logs[len(rcpt.Logs)-1])
	if err != nil {
		w.t.Fatalf("parsing TokenCreated: %v", err)
	}
	tok, err := bindings.NewRahatToken(created.TokenAddress, w.client)
	if err != nil {
		w.t.Fatalf("binding token: %v", err)
	}
	return created.TokenAddress, tok
}

func (w *world) createProject(name string, token, admin, otp common.Address) (common.Address, *bindings.RahatProject) {
	w.t.Helper()
	rcpt := w.send(w.deployer, "createProject", func(o *opts) (*txn, error) {
		return w.factory.CreateProject(o, name, token, admin, otp)
	})
	created, err := w.factory.ParseProjectCreated(*rcpt.Logs[len(rcpt.Logs)-1])
	if err != nil {
		w.t.Fatalf("parsing ProjectCreated: %v", err)
	}
	p, err := bindings.NewRahatProject(created.ProjectAddress, w.client)
	if err != nil {
		w.t.Fatalf("binding project: %v", err)
	}
	return created.ProjectAddress, p
}

// fund mints amount to the project and recognises it as budget.
func (w *world) fund(amount int64) {
	w.t.Helper()
	w.send(w.deployer, "mintTokenAndSend", func(o *opts) (*txn, error) {
		return w.treasury.MintTokenAndSend(o, w.tokenAddr, w.projectAddr, bn(amount))
	})
	w.send(w.outsider, "syncTokenBudget", func(o *opts) (*txn, error) {
		return w.project.SyncTokenBudget(o)
	})
}

func addrs(as ...actor) []common.Address {
	out := make([]common.Address, len(as))
	for i, a := range as {
		out[i] = a.addr
	}
	return out
}

func amounts(vs ...int64) []*big.Int {
	out := make([]*big.Int, len(vs))
	for i, v := range vs {
		out[i] = big.NewInt(v)
	}
	return out
}

func keccak(s string) []byte { return crypto.Keccak256([]byte(s)) }

// Short names for the signature of every bound transaction method, to keep case tables readable.
type (
	opts = bind.TransactOpts
	txn  = types.Transaction
)
