package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// ErrClosed is returned by operations on a chain that has been closed.
var ErrClosed = errors.New("devchain: chain closed")

// rpcModules returns the JSON-RPC namespaces served over HTTP and websocket. admin, debug and
// miner stay off: nothing in rahat needs them and a node an indexer meets in the wild would not
// expose them either.
func rpcModules() []string { return []string{"eth", "net", "web3", "txpool", "dev"} }

// Chain is a running in-process EVM chain served over JSON-RPC. All methods are safe for
// concurrent use. Block production (timer, auto-mine, Mine) and reorgs are serialised: a reorg
// never interleaves with the sealing of a block.
type Chain struct {
	cfg    Config
	log    *slog.Logger
	stack  *node.Node
	eth    *eth.Ethereum
	client *ethclient.Client
	keys   []*ecdsa.PrivateKey

	// sem is a one-slot semaphore guarding block production and reorgs. A channel instead of a
	// sync.Mutex lets waiters give up when their context ends or the chain closes.
	sem chan struct{}
	// seq counts sealed blocks; it seeds each block's prevRandao so that two blocks on the same
	// parent always differ. Guarded by sem.
	seq uint64

	timeOffset atomic.Int64  // seconds added to the clock for block timestamps (IncreaseTime)
	interval   atomic.Int64  // current BlockInterval in nanoseconds
	wake       chan struct{} // pokes the interval loop after SetBlockInterval

	done      chan struct{} // closed by Close; stops the loops and fails new operations
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start assembles a go-ethereum node with an in-memory (or DataDir) chain, serves it over
// JSON-RPC on cfg.HTTPAddr and starts the block timer and auto-miner as configured. ctx bounds
// only the start-up; the chain runs until Close.
func Start(ctx context.Context, cfg Config) (*Chain, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("starting dev chain: %w", err)
	}
	host, portStr, _ := net.SplitHostPort(cfg.HTTPAddr) // checked by Validate
	port, _ := strconv.Atoi(portStr)

	keys := DevKeys(cfg.Accounts)
	c := &Chain{
		cfg:  cfg,
		log:  cfg.Logger.With("component", "devchain", "chain_id", ChainID),
		keys: keys,
		sem:  make(chan struct{}, 1),
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	c.interval.Store(int64(cfg.BlockInterval))

	nodeConf := node.DefaultConfig
	nodeConf.Name = "rahat-devchain"
	nodeConf.DataDir = cfg.DataDir
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0}
	// Equal HTTP and WS ports make go-ethereum serve websocket upgrades on the HTTP listener, so
	// one port (possibly chosen by the kernel) carries both.
	nodeConf.HTTPHost, nodeConf.HTTPPort = host, port
	nodeConf.WSHost, nodeConf.WSPort = host, port
	nodeConf.HTTPModules, nodeConf.WSModules = rpcModules(), rpcModules()
	// The dev keys are public anyway; browsers (dashboards in the demo) may call the node.
	nodeConf.HTTPCors = []string{"*"}
	nodeConf.HTTPVirtualHosts = []string{"*"}
	nodeConf.WSOrigins = []string{"*"}

	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("creating node: %w", err)
	}
	c.stack = stack
	backend, err := eth.New(stack, ethConfig(cfg, keys))
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("creating eth service: %w", err)
	}
	c.eth = backend
	filterSystem := filters.NewFilterSystem(backend.APIBackend, filters.Config{
		LogCacheSize:  ethconfig.Defaults.FilterLogCacheSize,
		LogQueryLimit: ethconfig.Defaults.LogQueryLimit,
	})
	stack.RegisterAPIs([]rpc.API{
		{Namespace: "eth", Service: filters.NewFilterAPI(filterSystem)},
		{Namespace: "dev", Service: &devAPI{c: c}},
	})
	if err := stack.Start(); err != nil {
		stack.Close()
		return nil, fmt.Errorf("starting node on %s: %w", cfg.HTTPAddr, err)
	}
	// The engine API would mark the node synced on its first forkchoice update; we drive the
	// chain directly, so do it here.
	backend.SetSynced()
	c.markForkchoice(backend.BlockChain().CurrentBlock())
	c.client = ethclient.NewClient(stack.Attach())

	c.wg.Add(1)
	go c.intervalLoop()
	if cfg.AutoMine {
		// Subscribed before Start returns: a transaction sent right after it must not slip in
		// before the subscription and wait for a block that never comes.
		events := make(chan core.NewTxsEvent, 64)
		sub := backend.TxPool().SubscribeTransactions(events, true)
		c.wg.Add(1)
		go c.autoMineLoop(events, sub)
	}

	head := backend.BlockChain().CurrentBlock()
	c.log.Info("dev chain started", "http", c.HTTPURL(), "ws", c.WSURL(), "head", head.Number.Uint64(),
		"interval", cfg.BlockInterval, "automine", cfg.AutoMine, "accounts", cfg.Accounts)
	return c, nil
}

// ethConfig builds the eth service configuration: a post-merge dev genesis (every fork from
// Shanghai to Osaka active), a pool sized for bulk workloads and no fee cap on RPC submissions.
func ethConfig(cfg Config, keys []*ecdsa.PrivateKey) *ethconfig.Config {
	conf := ethconfig.Defaults
	conf.Genesis = &core.Genesis{
		Config:   params.AllDevChainProtocolChanges,
		GasLimit: cfg.GasLimit,
		Alloc:    genesisAlloc(keys, cfg.Balance),
	}
	conf.NetworkId = ChainID
	conf.SyncMode = ethconfig.FullSync
	conf.Miner.GasCeil = cfg.GasLimit
	conf.RPCGasCap = max(cfg.GasLimit, ethconfig.Defaults.RPCGasCap)
	conf.RPCTxFeeCap = 0 // big batch transactions can legitimately cost more than 1 ether in fees
	conf.LogNoHistory = cfg.NoLogIndex
	conf.TxPool.NoLocals = true
	// The miner stops filling a block after Recommit (2 s by default) and seals what it has: on a
	// loaded machine that cut blocks short, leaving transactions sent before Mine for a later block.
	// A dev block must hold every pending transaction that fits, however slow the machine.
	conf.Miner.Recommit = 10 * time.Minute
	// A workload generator keeps thousands of transactions in flight from few accounts; geth's
	// defaults (16 pending and 64 queued per account) would evict them.
	conf.TxPool.AccountSlots = 4096
	conf.TxPool.AccountQueue = 4096
	conf.TxPool.GlobalSlots = 65536
	conf.TxPool.GlobalQueue = 16384
	return &conf
}

// HTTPURL returns the JSON-RPC HTTP endpoint, e.g. "http://127.0.0.1:40123".
func (c *Chain) HTTPURL() string { return c.stack.HTTPEndpoint() }

// WSURL returns the JSON-RPC websocket endpoint, e.g. "ws://127.0.0.1:40123".
func (c *Chain) WSURL() string { return c.stack.WSEndpoint() }

// ChainID returns the chain id, always 1337.
func (c *Chain) ChainID() *big.Int { return big.NewInt(ChainID) }

// Keys returns the funded dev keys (Config.Accounts of them). Key 0 is the deployer.
// The slice is a copy; the keys are shared.
func (c *Chain) Keys() []*ecdsa.PrivateKey { return append([]*ecdsa.PrivateKey(nil), c.keys...) }

// Accounts returns the addresses of Keys.
func (c *Chain) Accounts() []common.Address { return addresses(c.keys) }

// Client returns an in-process client of the chain (no network hop). It is closed by Close.
func (c *Chain) Client() *ethclient.Client { return c.client }

// Close stops block production, waits for an operation in flight, and shuts the node down.
// It is safe to call more than once; later calls return the first result.
func (c *Chain) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.wg.Wait()
		// Wait for a Mine or Reorg in flight so the node never closes under it. Every later
		// acquirer sees done and gives up.
		c.sem <- struct{}{}
		c.client.Close()
		c.closeErr = c.stack.Close()
		c.log.Info("dev chain stopped")
	})
	return c.closeErr
}

// lock acquires the production semaphore, giving up when ctx ends or the chain closes.
func (c *Chain) lock(ctx context.Context) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	select {
	case c.sem <- struct{}{}:
		select {
		case <-c.done: // Close won the race after we acquired; let it proceed
			<-c.sem
			return ErrClosed
		default:
			return nil
		}
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Chain) unlock() { <-c.sem }

// SetBlockInterval changes the block timer at run time; 0 stops it. See Config.BlockInterval.
func (c *Chain) SetBlockInterval(d time.Duration) error {
	if d < 0 {
		return errors.New("devchain: block interval must not be negative")
	}
	c.interval.Store(int64(d))
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// BlockInterval returns the current block timer period (0 when off).
func (c *Chain) BlockInterval() time.Duration { return time.Duration(c.interval.Load()) }

// IncreaseTime moves the chain's clock forward by d (whole seconds) for every block sealed from
// now on, like hardhat's evm_increaseTime: it lets tests reach expiries without sealing thousands
// of blocks. It returns the total offset.
func (c *Chain) IncreaseTime(d time.Duration) (time.Duration, error) {
	if d < 0 {
		return 0, errors.New("devchain: time can only move forward")
	}
	total := c.timeOffset.Add(int64(d / time.Second))
	return time.Duration(total) * time.Second, nil
}
