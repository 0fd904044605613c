package devchain

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/params"
)

// Defaults applied by Start to zero fields of Config.
const (
	DefaultHTTPAddr      = "127.0.0.1:0"
	DefaultGasLimit      = 60_000_000
	DefaultAccounts      = 10
	DefaultFinalityDepth = 64
	DefaultSafeDepth     = 32
)

// ChainID is the chain id of every dev chain (the go-ethereum dev chain id).
const ChainID = 1337

// MaxTxGas is the per-transaction gas cap of EIP-7825 (Osaka), which is active on the dev chain
// from genesis: no single transaction may use more gas than this, whatever the block gas limit.
const MaxTxGas = params.MaxTxGas

// DefaultBalance is the genesis balance of every dev account: one million ether.
func DefaultBalance() *big.Int {
	return new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(params.Ether))
}

// Config configures a dev chain. The zero value is usable: every zero field takes its default.
type Config struct {
	// HTTPAddr is the host:port the JSON-RPC server listens on. HTTP and websocket share this one
	// port (go-ethereum serves both on a listener when their ports are equal). Port 0 picks a free
	// port; read the result from Chain.HTTPURL and Chain.WSURL. Default "127.0.0.1:0".
	HTTPAddr string

	// BlockInterval is the period of the block timer. Zero means no timer: blocks are sealed only
	// on demand (Mine, dev_mine) or, with AutoMine, when transactions arrive. A positive interval
	// seals a block every interval, empty or not, like a real chain. Block timestamps are whole
	// seconds and strictly increasing, so intervals under a second make timestamps run ahead of
	// the wall clock. It can be changed at run time with SetBlockInterval or dev_setBlockInterval.
	BlockInterval time.Duration

	// AutoMine seals a block as soon as transactions enter the pool (like geth --dev with period
	// 0), in addition to the timer if any. Handy for deploy scripts and binding tests that wait for
	// receipts; leave it off where a test must control exactly which block a transaction lands in.
	AutoMine bool

	// GasLimit is the block gas limit. Default 60,000,000. Individual transactions are still
	// capped at MaxTxGas.
	GasLimit uint64

	// Accounts is the number of deterministic dev keys funded in the genesis block (see DevKeys).
	// Default 10. The genesis block, and so its hash, depends on Accounts, Balance and GasLimit.
	Accounts int

	// Balance is the genesis balance of each dev account. Default DefaultBalance().
	Balance *big.Int

	// FinalityDepth is how far the `finalized` block trails the head. Default 64, so a reorg of
	// depth 64 never touches a finalized block. Reorgs deeper than this are still performed (to
	// let tests exercise finality alarms) and move `finalized` onto the new branch.
	FinalityDepth uint64

	// SafeDepth is how far the `safe` block trails the head. Default 32. Must not exceed
	// FinalityDepth.
	SafeDepth uint64

	// NoLogIndex turns off go-ethereum's log index (filtermaps), which real geth nodes keep by
	// default. The index makes eth_getLogs over long, sparsely matching ranges (factory
	// discovery) about 25x faster, but it costs block production time (about 2.5x on empty
	// blocks, 20% on log-heavy ones); dense ranges are JSON-bound and gain nothing. See doc.go.
	NoLogIndex bool

	// DataDir keeps the chain in a directory so that it survives restarts. Empty (the default)
	// keeps everything in memory. A restarted chain must use the same Accounts, Balance and
	// GasLimit, or its genesis will not match.
	DataDir string

	// Now is the clock used for block timestamps. Default time.Now.
	Now func() time.Time

	// Logger receives the chain's own structured logs (blocks sealed, reorgs). go-ethereum's
	// internal logs go to its global logger, which discards them unless the binary sets it.
	// Default: slog.Default().
	Logger *slog.Logger
}

// withDefaults returns a copy of cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	cfg.HTTPAddr = cmp.Or(cfg.HTTPAddr, DefaultHTTPAddr)
	cfg.GasLimit = cmp.Or(cfg.GasLimit, DefaultGasLimit)
	cfg.Accounts = cmp.Or(cfg.Accounts, DefaultAccounts)
	cfg.FinalityDepth = cmp.Or(cfg.FinalityDepth, DefaultFinalityDepth)
	cfg.SafeDepth = cmp.Or(cfg.SafeDepth, DefaultSafeDepth)
	if cfg.Balance == nil {
		cfg.Balance = DefaultBalance()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// Validate reports the first problem with a defaulted configuration.
func (cfg Config) Validate() error {
	host, port, err := net.SplitHostPort(cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("devchain: HTTPAddr %q: %w", cfg.HTTPAddr, err)
	}
	if host == "" {
		return fmt.Errorf("devchain: HTTPAddr %q: host is required (e.g. 127.0.0.1)", cfg.HTTPAddr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("devchain: HTTPAddr %q: invalid port", cfg.HTTPAddr)
	}
	switch {
	case cfg.BlockInterval < 0:
		return errors.New("devchain: BlockInterval must not be negative")
	case cfg.GasLimit < params.MinGasLimit:
		return fmt.Errorf("devchain: GasLimit %d is below the protocol minimum %d", cfg.GasLimit, params.MinGasLimit)
	case cfg.Accounts < 1 || cfg.Accounts > 10_000:
		return fmt.Errorf("devchain: Accounts %d must be between 1 and 10000", cfg.Accounts)
	case cfg.Balance.Sign() <= 0:
		return errors.New("devchain: Balance must be positive")
	case cfg.SafeDepth > cfg.FinalityDepth:
		return fmt.Errorf("devchain: SafeDepth %d exceeds FinalityDepth %d", cfg.SafeDepth, cfg.FinalityDepth)
	}
	return nil
}
