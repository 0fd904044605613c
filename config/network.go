package config

import (
	"errors"
	"fmt"
	"time"
)

// Network is one EVM chain the indexer follows and the API submits to.
type Network struct {
	// Name identifies the network in sources, logs and metrics (e.g. "dev", "sepolia").
	Name string `yaml:"name"`
	// ChainID is the chain id the node must report; a mismatch stops the indexer.
	ChainID uint64 `yaml:"chain_id"`
	// RPCURL is the node's HTTP JSON-RPC endpoint. Empty means the embedded dev chain (rahat dev only).
	RPCURL string `yaml:"rpc_url"`
	// WSURL is the node's websocket endpoint for newHeads; empty means polling only.
	WSURL string `yaml:"ws_url"`
	// FinalityDepth is how many blocks below the head are treated as final. Reorgs deeper than this
	// are an alarm. Ignored when FinalityTag is set.
	FinalityDepth uint64 `yaml:"finality_depth"`
	// FinalityTag uses the node's own "finalized" or "safe" block instead of a depth.
	FinalityTag string `yaml:"finality_tag"`
	// PollInterval is how often the head is polled when no websocket is available or it dropped.
	PollInterval Duration `yaml:"poll_interval"`
	// MaxBlockRange caps one eth_getLogs request; the indexer adapts below it.
	MaxBlockRange uint64 `yaml:"max_block_range"`
	// Concurrency is how many eth_getLogs ranges are in flight during backfill.
	Concurrency int `yaml:"concurrency"`
	// RequestTimeout bounds one RPC request.
	RequestTimeout Duration `yaml:"request_timeout"`
}

// ServeNetwork returns the network `rahat serve` answers for: the one serve.network names (Validate
// checked that it exists), else the first; ok is false when no network is configured.
func (c Config) ServeNetwork() (n Network, ok bool) {
	for _, n := range c.Networks {
		if n.Name == c.Serve.Network || c.Serve.Network == "" {
			return n, true
		}
	}
	return Network{}, false
}

// Source is a contract (or a family of contracts created by a factory) whose events are indexed.
type Source struct {
	// Name names the source; events are stored per source and event.
	Name string `yaml:"name"`
	// Network is the Name of the Network this source lives on.
	Network string `yaml:"network"`
	// Contract is the contract's ABI name in contracts/ (e.g. "RahatProject").
	Contract string `yaml:"contract"`
	// Address is the contract's address; empty when the source is created by a Factory.
	Address string `yaml:"address"`
	// StartBlock is the first block to index for this source.
	StartBlock uint64 `yaml:"start_block"`
	// Factory, when set, makes every address announced by that event an instance of this source.
	Factory *Factory `yaml:"factory"`
}

// Factory names the event of another source whose parameter announces a new instance.
type Factory struct {
	// Source is the Name of the source that emits the event.
	Source string `yaml:"source"`
	// Event is the event's name in that source's ABI (e.g. "TokenCreated").
	Event string `yaml:"event"`
	// Param is the event parameter holding the new contract's address (e.g. "tokenAddress").
	Param string `yaml:"param"`
}

// Duration is a time.Duration that reads from YAML and env as "1s", "250ms".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: %w", b, err)
	}
	if v < 0 {
		return errors.New("duration must not be negative")
	}
	*d = Duration(v)
	return nil
}

// MarshalText formats the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// String formats the duration.
func (d Duration) String() string { return time.Duration(d).String() }
