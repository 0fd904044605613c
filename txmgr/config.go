package txmgr

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/params"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultConfirmations = 12
	DefaultGasMargin     = 1.2
	DefaultResendAfter   = 2 * time.Minute
	DefaultPollInterval  = 2 * time.Second
	DefaultMaxInFlight   = 64
	DefaultMaxSessions   = 8
)

// DefaultFeeCap is the default ceiling on the max fee per gas: 200 gwei.
func DefaultFeeCap() *big.Int { return big.NewInt(200 * params.GWei) }

// DefaultTipCap is the default ceiling on a first attempt's priority fee: 2 gwei.
func DefaultTipCap() *big.Int { return big.NewInt(2 * params.GWei) }

// Config configures a Manager. Zero fields take the defaults documented on each.
type Config struct {
	// DB holds the outbox (migration 0035). Required.
	DB *pgxpool.Pool
	// Client talks to the chain's JSON-RPC node; *ethclient.Client satisfies it. Required.
	Client Client
	// ChainID is the chain the transactions are signed for (EIP-155). Required; New checks nothing
	// against the node, but Run refuses to send if the node reports another chain id.
	ChainID uint64
	// Keys are the signers the manager may send from; Run starts one sender per address. Required.
	Keys KeySource

	// Confirmations is how many blocks must be on top of the including block before a transaction
	// is final: final when head >= block + Confirmations. Default 12.
	Confirmations uint64
	// FeeCap is the highest max fee per gas (wei) the manager ever signs, replacements included.
	// Default DefaultFeeCap (200 gwei).
	FeeCap *big.Int
	// TipCap bounds the priority fee of a first attempt (wei): the node's suggestion, at most this.
	// Replacements raise the tip beyond it, up to FeeCap. Default DefaultTipCap (2 gwei).
	TipCap *big.Int
	// GasMargin multiplies estimated gas. Default 1.2; must be at least 1.
	GasMargin float64
	// ResendAfter is how long a sent transaction may stay unmined before it is replaced by one with
	// the same nonce and fees raised by 12.5% (and at least to the current market). Default 2m.
	ResendAfter time.Duration
	// PollInterval is the period of the sender's loop: receipts, heads, the queue. A notification of
	// a newly queued transaction wakes it earlier. Default 2s.
	PollInterval time.Duration
	// MaxInFlight bounds the transactions per signer that are sent but not yet mined; more wait in
	// the queue without a nonce. Default 64.
	MaxInFlight int
	// MaxSessions bounds the signers this process sends for at once. Each sending signer holds a
	// database connection of its own, outside the pool, for its advisory lock; signers with work
	// beyond the bound wait their turn, and while one waits, a sender that has had its turn for
	// sessionSlice rounds lets go and queues again. Default 8.
	MaxSessions int
	// Logger receives structured logs; never a key. Default slog.Default().
	Logger *slog.Logger
	// Registry receives the rahat_txmgr_* collectors. Default: a private registry (not exported).
	Registry *prometheus.Registry
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// withDefaults returns a copy of cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	cfg.Confirmations = cmp.Or(cfg.Confirmations, DefaultConfirmations)
	cfg.GasMargin = cmp.Or(cfg.GasMargin, DefaultGasMargin)
	cfg.ResendAfter = cmp.Or(cfg.ResendAfter, DefaultResendAfter)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, DefaultPollInterval)
	cfg.MaxInFlight = cmp.Or(cfg.MaxInFlight, DefaultMaxInFlight)
	cfg.MaxSessions = cmp.Or(cfg.MaxSessions, DefaultMaxSessions)
	if cfg.FeeCap == nil {
		cfg.FeeCap = DefaultFeeCap()
	}
	if cfg.TipCap == nil {
		cfg.TipCap = DefaultTipCap()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Validate reports the first problem with a defaulted configuration.
func (cfg Config) Validate() error {
	switch {
	case cfg.DB == nil:
		return errors.New("txmgr: Config.DB is required")
	case cfg.Client == nil:
		return errors.New("txmgr: Config.Client is required")
	case cfg.ChainID == 0:
		return errors.New("txmgr: Config.ChainID is required")
	case cfg.Keys == nil:
		return errors.New("txmgr: Config.Keys is required")
	case cfg.FeeCap.Sign() <= 0:
		return errors.New("txmgr: FeeCap must be positive")
	case cfg.TipCap.Sign() < 0:
		return errors.New("txmgr: TipCap must not be negative")
	case cfg.TipCap.Cmp(cfg.FeeCap) > 0:
		return fmt.Errorf("txmgr: TipCap %s exceeds FeeCap %s", cfg.TipCap, cfg.FeeCap)
	case cfg.GasMargin < 1 || cfg.GasMargin > 10:
		return fmt.Errorf("txmgr: GasMargin %v must be between 1 and 10", cfg.GasMargin)
	case cfg.ResendAfter < 0 || cfg.PollInterval < 0:
		return errors.New("txmgr: ResendAfter and PollInterval must not be negative")
	case cfg.MaxInFlight < 1:
		return fmt.Errorf("txmgr: MaxInFlight %d must be at least 1", cfg.MaxInFlight)
	case cfg.MaxSessions < 1 || cfg.MaxSessions > 1000:
		return fmt.Errorf("txmgr: MaxSessions %d must be between 1 and 1000", cfg.MaxSessions)
	case cfg.Confirmations > 10_000:
		return fmt.Errorf("txmgr: Confirmations %d is implausibly deep", cfg.Confirmations)
	}
	return nil
}
