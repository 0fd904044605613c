package indexer

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
)

// Defaults applied by Config.withDefaults where a field is zero.
const (
	DefaultFinalityDepth     = 64
	DefaultPollInterval      = time.Second
	DefaultMaxBlockRange     = 5000
	DefaultConcurrency       = 4
	DefaultRequestTimeout    = 30 * time.Second
	DefaultPartitionBlocks   = 1_000_000
	DefaultMaxLiveBlocks     = 256
	DefaultMaxRetries        = 8
	DefaultRetryBase         = 100 * time.Millisecond
	DefaultRetryMax          = 10 * time.Second
	DefaultLockCheckInterval = time.Second
	DefaultAddressChunk      = 1000
)

// Config configures an Indexer for one network.
type Config struct {
	// Network is the chain to follow. Zero fields get the Default* values.
	Network config.Network
	// Sources are the data sources; those whose Network is not Network.Name are ignored (an empty
	// Network field means this network).
	Sources []config.Source
	// DB is the pool on the primary database. The indexer also takes one connection out of it for
	// the lifetime of its advisory lock.
	DB *pgxpool.Pool
	// ABI resolves a contract name (config.Source.Contract) to its ABI. Required; `rahat` passes
	// contracts.ABI.
	ABI func(name string) (abi.ABI, error)
	// Handlers derive state from events inside the indexing transaction, in this order.
	Handlers []Handler
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Registry receives the rahat_indexer_* collectors; nil uses a private registry. Several indexers
	// may share one registry (collectors are shared, labelled by network).
	Registry *prometheus.Registry
	// Progress receives backfill progress; nil reports nothing (see NewProgress).
	Progress Progress
	// OnCommit, when set, is called after every committed transaction, on the indexer's goroutine.
	OnCommit func(Commit)

	// PartitionBlocks is the block span of one event-table partition (default 1,000,000).
	PartitionBlocks uint64
	// CoveringIndexes builds the event tables' covering indexes (BuildCoveringIndexes) once the
	// backfill is done: filtered lists by an indexed parameter then read no table pages.
	CoveringIndexes bool
	// KeepBlocks is how many blocks below the finalised block keep their stored hash, so a reorg
	// somewhat deeper than the finality window is still rolled back exactly (and flagged). Default:
	// the finality depth, at least 128.
	KeepBlocks uint64
	// MaxLiveBlocks caps the unfinalised blocks committed in one transaction (default 256).
	MaxLiveBlocks uint64
	// MaxRetries bounds the attempts of one RPC call on transient errors before the error surfaces
	// (and Run restarts from the checkpoint after a backoff).
	MaxRetries int
	// RetryBase and RetryMax shape the exponential backoff with full jitter.
	RetryBase, RetryMax time.Duration
	// LockCheckInterval is how often the advisory-lock connection is checked (default 1s).
	LockCheckInterval time.Duration
	// AddressChunk caps the addresses in one eth_getLogs filter (default 1000).
	AddressChunk int
}

func (c Config) withDefaults() Config {
	n := &c.Network
	if n.FinalityTag == "" {
		n.FinalityDepth = cmp.Or(n.FinalityDepth, DefaultFinalityDepth)
	}
	n.PollInterval = cmp.Or(n.PollInterval, config.Duration(DefaultPollInterval))
	n.MaxBlockRange = cmp.Or(n.MaxBlockRange, DefaultMaxBlockRange)
	n.Concurrency = cmp.Or(n.Concurrency, DefaultConcurrency)
	n.RequestTimeout = cmp.Or(n.RequestTimeout, config.Duration(DefaultRequestTimeout))
	c.PartitionBlocks = cmp.Or(c.PartitionBlocks, DefaultPartitionBlocks)
	c.KeepBlocks = cmp.Or(c.KeepBlocks, max(n.FinalityDepth, 128))
	c.MaxLiveBlocks = cmp.Or(c.MaxLiveBlocks, DefaultMaxLiveBlocks)
	c.MaxRetries = cmp.Or(c.MaxRetries, DefaultMaxRetries)
	c.RetryBase = cmp.Or(c.RetryBase, DefaultRetryBase)
	c.RetryMax = cmp.Or(c.RetryMax, DefaultRetryMax)
	c.LockCheckInterval = cmp.Or(c.LockCheckInterval, DefaultLockCheckInterval)
	c.AddressChunk = cmp.Or(c.AddressChunk, DefaultAddressChunk)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	var srcs []config.Source
	for _, s := range c.Sources {
		if s.Network == "" || s.Network == n.Name {
			srcs = append(srcs, s)
		}
	}
	c.Sources = srcs
	return c
}

// Validate reports every problem of a defaulted Config at once.
func (c Config) Validate() error {
	var errs []error
	n := c.Network
	if n.Name == "" {
		errs = append(errs, errors.New("network: name is required"))
	}
	if n.ChainID == 0 {
		errs = append(errs, errors.New("network: chain_id is required"))
	}
	if n.RPCURL == "" {
		errs = append(errs, errors.New("network: rpc_url is required"))
	}
	switch n.FinalityTag {
	case "", "finalized", "safe":
	default:
		errs = append(errs, fmt.Errorf("network: finality_tag %q must be finalized or safe", n.FinalityTag))
	}
	if n.Concurrency < 1 {
		errs = append(errs, errors.New("network: concurrency must be at least 1"))
	}
	if c.DB == nil {
		errs = append(errs, errors.New("DB is required"))
	}
	if c.ABI == nil {
		errs = append(errs, errors.New("ABI resolver is required"))
	}
	if len(c.Sources) == 0 {
		errs = append(errs, fmt.Errorf("no data sources for network %q", n.Name))
	}
	names := map[string]bool{}
	addrs := map[common.Address]string{}
	for _, s := range c.Sources {
		if s.Name == "" {
			errs = append(errs, errors.New("source: name is required"))
		}
		if names[s.Name] {
			errs = append(errs, fmt.Errorf("source %q: duplicate name", s.Name))
		}
		names[s.Name] = true
		if s.Contract == "" {
			errs = append(errs, fmt.Errorf("source %q: contract is required", s.Name))
		}
		switch {
		case s.Address != "" && s.Factory != nil:
			errs = append(errs, fmt.Errorf("source %q: address and factory are exclusive", s.Name))
		case s.Address == "" && s.Factory == nil:
			errs = append(errs, fmt.Errorf("source %q: needs an address or a factory", s.Name))
		case s.Address != "":
			if !common.IsHexAddress(s.Address) {
				errs = append(errs, fmt.Errorf("source %q: invalid address %q", s.Name, s.Address))
				break
			}
			a := common.HexToAddress(s.Address)
			if other, ok := addrs[a]; ok {
				errs = append(errs, fmt.Errorf("source %q: address %s already belongs to source %q", s.Name, a, other))
			}
			addrs[a] = s.Name
		}
	}
	for _, s := range c.Sources {
		if s.Factory == nil {
			continue
		}
		if !names[s.Factory.Source] {
			errs = append(errs, fmt.Errorf("source %q: factory source %q does not exist on network %q", s.Name, s.Factory.Source, n.Name))
		}
		if s.Factory.Event == "" || s.Factory.Param == "" {
			errs = append(errs, fmt.Errorf("source %q: factory needs event and param", s.Name))
		}
	}
	return errors.Join(errs...)
}
