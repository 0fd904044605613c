package scenario

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
)

// World is the deployed contracts plus a seeded source of actions.
type World struct {
	Chain    *devchain.Chain
	Client   *ethclient.Client
	Treasury common.Address
	Factory  common.Address
	Tokens   []common.Address
	Projects []common.Address

	keys   []*ecdsa.PrivateKey
	addrs  []common.Address
	rng    *rand.Rand
	nonces map[int]uint64 // next nonce per key; cleared when the chain may have changed under it
	// DeployBlock is the block holding the treasury's deployment.
	DeployBlock uint64
}

// gas is a fixed gas limit: no estimation, so a transaction that reverts (a transfer without
// balance, say) is still mined, with no logs, instead of failing to send.
const gas = 3_000_000

// Deploy deploys the treasury and the project factory and mines them.
func Deploy(ctx context.Context, c *devchain.Chain, seed uint64) (*World, error) {
	w := &World{Chain: c, Client: c.Client(), keys: c.Keys(), addrs: c.Accounts(), nonces: map[int]uint64{},
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	var err error
	var tx *types.Transaction
	if w.Treasury, tx, _, err = bindings.DeployRahatTreasury(w.opts(ctx, 0), w.Client, w.addrs[0]); err != nil {
		return nil, fmt.Errorf("deploying treasury: %w", err)
	}
	_ = tx
	if w.Factory, _, _, err = bindings.DeployRahatProjectFactory(w.opts(ctx, 0), w.Client, w.addrs[0], w.Treasury); err != nil {
		return nil, fmt.Errorf("deploying factory: %w", err)
	}
	hashes, err := c.Mine(ctx, 1)
	if err != nil {
		return nil, err
	}
	blk, err := w.Client.BlockByHash(ctx, hashes[0])
	if err != nil {
		return nil, err
	}
	w.DeployBlock = blk.NumberU64()
	return w, nil
}

// Sources returns the manifest sources for the deployed contracts: the treasury, the factory,
// and the tokens and projects they create (factory sources).
func (w *World) Sources(network string) []config.Source {
	return []config.Source{
		{Name: "treasury", Network: network, Contract: "RahatTreasury", Address: w.Treasury.Hex(), StartBlock: w.DeployBlock},
		{Name: "projectFactory", Network: network, Contract: "RahatProjectFactory", Address: w.Factory.Hex(), StartBlock: w.DeployBlock},
		{Name: "tokens", Network: network, Contract: "RahatToken", StartBlock: w.DeployBlock,
			Factory: &config.Factory{Source: "treasury", Event: "TokenCreated", Param: "tokenAddress"}},
		{Name: "projects", Network: network, Contract: "RahatProject", StartBlock: w.DeployBlock,
			Factory: &config.Factory{Source: "projectFactory", Event: "ProjectCreated", Param: "projectAddress"}},
	}
}

func (w *World) opts(ctx context.Context, key int) *bind.TransactOpts {
	o, err := bind.NewKeyedTransactorWithChainID(w.keys[key], big.NewInt(devchain.ChainID))
	if err != nil {
		panic(err) // a dev key always works
	}
	o.Context = ctx
	o.GasLimit = gas
	// Nonces are counted here rather than read from the pool, whose view lags a just-mined block.
	n, ok := w.nonces[key]
	if !ok {
		latest, _ := w.Client.NonceAt(ctx, w.addrs[key], nil)
		pending, _ := w.Client.PendingNonceAt(ctx, w.addrs[key])
		n = max(latest, pending)
	}
	w.nonces[key] = n + 1
	o.Nonce = new(big.Int).SetUint64(n)
	return o
}

// Send runs n random actions as transactions (they go into the pool; Mine includes them).
func (w *World) Send(ctx context.Context, n int) error {
	for range n {
		if err := w.action(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Step sends n random actions and mines one block.
func (w *World) Step(ctx context.Context, n int) error {
	if err := w.Send(ctx, n); err != nil {
		return err
	}
	_, err := w.Chain.Mine(ctx, 1)
	return err
}

// CreateToken sends a treasury.createToken; the token's address is predicted from the treasury's
// nonce so later actions can use it at once.
func (w *World) CreateToken(ctx context.Context) error {
	t, err := bindings.NewRahatTreasury(w.Treasury, w.Client)
	if err != nil {
		return err
	}
	nonce, err := w.Client.PendingNonceAt(ctx, w.Treasury)
	if err != nil {
		return err
	}
	i := len(w.Tokens)
	if _, err := t.CreateToken(w.opts(ctx, 0), fmt.Sprintf("Aid %d", i), fmt.Sprintf("AID%d", i), uint8(6+w.rng.IntN(13))); err != nil {
		return fmt.Errorf("creating token: %w", err)
	}
	w.Tokens = append(w.Tokens, crypto.CreateAddress(w.Treasury, nonce))
	return nil
}

// CreateProject sends a factory.createProject for a token.
func (w *World) CreateProject(ctx context.Context, token common.Address) error {
	f, err := bindings.NewRahatProjectFactory(w.Factory, w.Client)
	if err != nil {
		return err
	}
	nonce, err := w.Client.PendingNonceAt(ctx, w.Factory)
	if err != nil {
		return err
	}
	if _, err := f.CreateProject(w.opts(ctx, 0), fmt.Sprintf("Project %d", len(w.Projects)), token, w.addrs[0], w.addrs[1]); err != nil {
		return fmt.Errorf("creating project: %w", err)
	}
	w.Projects = append(w.Projects, crypto.CreateAddress(w.Factory, nonce))
	return nil
}

func (w *World) pick(a []common.Address) common.Address { return a[w.rng.IntN(len(a))] }

func (w *World) amount() *big.Int { return big.NewInt(int64(1 + w.rng.IntN(1000))) }

// action sends one random transaction, skipping past nonces the pool already holds (its view
// lags a just-mined block or a reorg).
func (w *World) action(ctx context.Context) error {
	var err error
	for range 4 {
		if err = w.action1(ctx); err == nil {
			return nil
		}
		if !nonceTrouble(err) {
			clear(w.nonces) // the failed transaction's nonce was never used
			return err
		}
	}
	return err
}

func nonceTrouble(err error) bool {
	m := err.Error()
	return strings.Contains(m, "underpriced") || strings.Contains(m, "nonce too low") || strings.Contains(m, "already known")
}

// action1 sends one random transaction. Predicted addresses may belong to contracts a reorg
// removed; calls to them then do nothing, which is fine for an indexer test.
func (w *World) action1(ctx context.Context) error {
	if len(w.Tokens) == 0 {
		return w.CreateToken(ctx)
	}
	treasury, err := bindings.NewRahatTreasury(w.Treasury, w.Client)
	if err != nil {
		return err
	}
	switch k := w.rng.IntN(100); {
	case k < 5:
		return w.CreateToken(ctx)
	case k < 10 || len(w.Projects) == 0:
		return w.CreateProject(ctx, w.pick(w.Tokens))
	case k < 35:
		_, err = treasury.MintTokenAndSend(w.opts(ctx, 0), w.pick(w.Tokens), w.pick(w.addrs[1:]), w.amount())
	case k < 60:
		from := 1 + w.rng.IntN(len(w.keys)-1)
		tok, err2 := bindings.NewRahatToken(w.pick(w.Tokens), w.Client)
		if err2 != nil {
			return err2
		}
		_, err = tok.Transfer(w.opts(ctx, from), w.pick(w.addrs), big.NewInt(int64(1+w.rng.IntN(50))))
	case k < 70:
		p := w.pick(w.Projects)
		tok, err2 := w.projectToken(ctx, p)
		if err2 != nil {
			return err2
		}
		_, err = treasury.MintTokenAndApprove(w.opts(ctx, 0), tok, p, w.amount())
		if err == nil {
			var proj *bindings.RahatProject
			if proj, err = bindings.NewRahatProject(p, w.Client); err == nil {
				_, err = proj.IncreaseTokenBudget(w.opts(ctx, 0), w.Treasury, big.NewInt(1))
			}
		}
	case k < 85:
		proj, err2 := bindings.NewRahatProject(w.pick(w.Projects), w.Client)
		if err2 != nil {
			return err2
		}
		_, err = proj.AddBeneficiary(w.opts(ctx, 0), w.pick(w.addrs[2:]))
	default:
		proj, err2 := bindings.NewRahatProject(w.pick(w.Projects), w.Client)
		if err2 != nil {
			return err2
		}
		_, err = proj.AllocateTokens(w.opts(ctx, 0), w.pick(w.addrs[2:]), big.NewInt(int64(w.rng.IntN(3))))
	}
	if err != nil {
		return fmt.Errorf("sending action: %w", err)
	}
	return nil
}

// projectToken returns the token a project distributes (from the chain; the project may be gone
// after a reorg, then any token does).
func (w *World) projectToken(ctx context.Context, p common.Address) (common.Address, error) {
	proj, err := bindings.NewRahatProject(p, w.Client)
	if err != nil {
		return common.Address{}, err
	}
	tok, err := proj.Token(&bind.CallOpts{Context: ctx, Pending: true})
	if err != nil || tok == (common.Address{}) {
		return w.pick(w.Tokens), nil
	}
	return tok, nil
}

// Reorg replaces the last depth blocks with a branch of depth+extra blocks. mode 0 leaves the new
// branch empty (everything in the old blocks is undone, factory creations included), mode 1
// re-includes the old transactions, mode 2 sends fresh random actions on the new branch.
func (w *World) Reorg(ctx context.Context, depth, extra, mode int) (devchain.ReorgResult, error) {
	var opts devchain.ReorgOptions
	switch mode % 3 {
	case 1:
		opts.Reinclude = true
	case 2:
		n := 1 + w.rng.IntN(4)
		opts.Before = func(ctx context.Context) error {
			clear(w.nonces) // the head is back at the ancestor now
			return w.Send(ctx, n)
		}
	}
	res, err := w.Chain.Reorg(ctx, depth, depth+extra, opts)
	clear(w.nonces)
	return res, err
}

// Rand exposes the world's seeded generator, for tests that make further random choices.
func (w *World) Rand() *rand.Rand { return w.rng }
