package api

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/phone"
	"github.com/rahataid/rahat/txmgr"
)

// ClaimCode is a one-time code for a vendor's claim, handed to the SMS sender. It is the only
// place the code exists in clear outside the beneficiary's phone: the API never stores, logs or
// returns it.
type ClaimCode struct {
	// BeneficiaryID is the reg_beneficiaries.id of the beneficiary to text.
	BeneficiaryID int64
	// Amount is what the vendor asks for, in the token's base units.
	Amount *big.Int
	// TokenSymbol and Decimals format Amount.
	TokenSymbol string
	Decimals    uint8
	// Code is the one-time code.
	Code string
	// ClaimID is the API's claim id (api_claims.id, decimal). It is unique in the database, unlike
	// on-chain claim ids, which restart at 1 in every project.
	ClaimID string
	// Attempt counts the codes sent for this claim (1 for the first, 2 after a resend ...), so that
	// a durable sender can deduplicate per (ClaimID, Attempt).
	Attempt int
}

// CodeSender hands a claim code to the SMS service. It is called inside the API's database
// transaction tx, which also records the code's hash and enqueues its on-chain hash: the
// implementation must enqueue durably in tx (so that the message is sent if and only if tx
// commits) and must not send anything before tx commits.
type CodeSender interface {
	SendClaimCode(ctx context.Context, tx pgx.Tx, m ClaimCode) error
}

// Keys creates vendors' custodial keys in the keystore the transaction manager signs with.
type Keys interface {
	// NewKey creates and stores a new signing key and returns its address. From then on the
	// transaction manager must accept the address as a Request.Signer.
	NewKey(ctx context.Context) (common.Address, error)
}

// Defaults applied by New to zero fields of Config.
const (
	DefaultRatePerSecond  = 20
	DefaultRateBurst      = 40
	DefaultBodyLimit      = 64 << 10
	DefaultBatchBodyLimit = 4 << 20
	DefaultMaxAllocations = 10_000
	DefaultAllocateChunk  = 500
	DefaultCodeTTL        = 10 * time.Minute
	DefaultCodeDigits     = 6
	DefaultMaxAttempts    = 5
	DefaultMaxCodes       = 3
	DefaultPollInterval   = time.Second
	DefaultIdempotencyTTL = 24 * time.Hour
	DefaultAddGas         = 115_000 // measured ~113,000 per new beneficiary on the dev chain (state growth)
	DefaultAllocateGas    = 20_000  // measured ~16,900 per first allocation
	DefaultBaseGas        = 250_000 // covers a first write of the counters (a new slot each)
	DefaultRequestTimeout = 30 * time.Second
	maxTxGas              = 16_777_216 // EIP-7825 per-transaction cap
	contractAllocateLimit = 500        // the largest allocateTokensBatch the API sends
)

// Config configures the API. Fields marked required have no default.
type Config struct {
	// DB is the primary database: registry, API state, transaction outbox. Required.
	DB *pgxpool.Pool
	// Read serves GET requests (a replica may lag the primary by a little). Default DB.
	Read *pgxpool.Pool
	// Tx is the transaction manager; its Run is started by the caller. Required.
	Tx *txmgr.Manager
	// Client reads the chain (eth_call) and receipts. Required.
	Client *ethclient.Client
	// ChainID is the chain the API acts on. Required.
	ChainID uint64
	// Auth configures bearer-token verification (at least one key) unless Verifier is set.
	Auth auth.Config
	// Verifier, when set, checks bearer tokens instead of one built from Auth, so that the REST
	// API and GraphQL's operational fields share one key set (and one JWKS refresh).
	Verifier *auth.Verifier
	// Phones hashes beneficiaries' numbers; Box seals them for the SMS sender. Required.
	Phones *phone.Hasher
	Box    *phone.Box
	// PhoneRegion reads numbers without a country code (ISO 3166, default "NP"); it should be the
	// region Phones was made with.
	PhoneRegion string
	// Codes sends one-time codes. Required.
	Codes CodeSender
	// Keys creates vendors' custodial keys. Required for vendor registration.
	Keys Keys

	// Operator is the key (held by the transaction manager) that is an admin of the projects the
	// API manages: it registers beneficiaries on chain, allocates, and approves vendors. Required.
	Operator common.Address
	// OTPServer is the key that is the projects' OTP server (adds code hashes). Required.
	OTPServer common.Address
	// Funder, with VendorFunding > 0, sends VendorFunding wei to every new vendor so that it can
	// pay for its transactions (development; in production vendors are funded by operations).
	Funder        common.Address
	VendorFunding *big.Int

	// RatePerSecond and RateBurst shape each client's token bucket (by token subject).
	RatePerSecond float64
	RateBurst     int
	// BodyLimit caps request bodies; BatchBodyLimit caps distribution requests.
	BodyLimit, BatchBodyLimit int64
	// MaxAllocations caps the allocations of one distribution. Default 10,000.
	MaxAllocations int
	// AllocateChunk is the most beneficiaries per allocateTokensBatch (at most 500).
	AllocateChunk int
	// AddGas, AllocateGas and BaseGas size the gas limits of batch transactions, which are set
	// explicitly because an allocation cannot be estimated before the beneficiaries it depends on
	// are added: BaseGas + n x per-item gas, and the add chunk is the most that fits under the
	// per-transaction cap.
	AddGas, AllocateGas, BaseGas uint64
	// CodeTTL is how long a one-time code is valid; CodeDigits its length.
	CodeTTL    time.Duration
	CodeDigits int
	// MaxAttempts bounds wrong codes per claim; MaxCodes bounds codes sent per claim.
	MaxAttempts, MaxCodes int
	// PollInterval paces the background worker besides notifications.
	PollInterval time.Duration
	// IdempotencyTTL is how long idempotency keys are remembered.
	IdempotencyTTL time.Duration
	// RequestTimeout bounds the work of one request.
	RequestTimeout time.Duration

	// Logger receives request logs (never a code, key, token or phone number). Default: discard.
	Logger *slog.Logger
	// Registry receives the rahat_api_* collectors. Default: a private registry.
	Registry *prometheus.Registry
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Read == nil {
		c.Read = c.DB
	}
	c.PhoneRegion = cmp.Or(c.PhoneRegion, "NP")
	c.RatePerSecond = cmp.Or(c.RatePerSecond, DefaultRatePerSecond)
	c.RateBurst = cmp.Or(c.RateBurst, DefaultRateBurst)
	c.BodyLimit = cmp.Or(c.BodyLimit, DefaultBodyLimit)
	c.BatchBodyLimit = cmp.Or(c.BatchBodyLimit, DefaultBatchBodyLimit)
	c.MaxAllocations = cmp.Or(c.MaxAllocations, DefaultMaxAllocations)
	c.AllocateChunk = cmp.Or(c.AllocateChunk, DefaultAllocateChunk)
	c.AddGas = cmp.Or(c.AddGas, DefaultAddGas)
	c.AllocateGas = cmp.Or(c.AllocateGas, DefaultAllocateGas)
	c.BaseGas = cmp.Or(c.BaseGas, DefaultBaseGas)
	c.CodeTTL = cmp.Or(c.CodeTTL, DefaultCodeTTL)
	c.CodeDigits = cmp.Or(c.CodeDigits, DefaultCodeDigits)
	c.MaxAttempts = cmp.Or(c.MaxAttempts, DefaultMaxAttempts)
	c.MaxCodes = cmp.Or(c.MaxCodes, DefaultMaxCodes)
	c.PollInterval = cmp.Or(c.PollInterval, DefaultPollInterval)
	c.IdempotencyTTL = cmp.Or(c.IdempotencyTTL, DefaultIdempotencyTTL)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, DefaultRequestTimeout)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Auth.Now == nil {
		c.Auth.Now = c.Now
	}
	if c.Auth.Logger == nil {
		c.Auth.Logger = c.Logger
	}
	return c
}

// Validate reports every problem of a defaulted Config.
func (c Config) Validate() error {
	var errs []error
	req := func(ok bool, what string) {
		if !ok {
			errs = append(errs, errors.New("api: "+what+" is required"))
		}
	}
	req(c.DB != nil, "DB")
	req(c.Tx != nil, "Tx")
	req(c.Client != nil, "Client")
	req(c.ChainID != 0, "ChainID")
	req(c.Phones != nil, "Phones")
	req(c.Box != nil, "Box")
	req(c.Codes != nil, "Codes")
	req(c.Operator != (common.Address{}), "Operator")
	req(c.OTPServer != (common.Address{}), "OTPServer")
	if c.VendorFunding != nil && c.VendorFunding.Sign() > 0 && c.Funder == (common.Address{}) {
		errs = append(errs, errors.New("api: VendorFunding needs a Funder"))
	}
	if c.AllocateChunk < 1 || c.AllocateChunk > contractAllocateLimit {
		errs = append(errs, errors.New("api: AllocateChunk must be between 1 and 500"))
	}
	if c.BaseGas+c.AddGas > maxTxGas || c.BaseGas+c.AllocateGas > maxTxGas {
		errs = append(errs, errors.New("api: BaseGas plus one item exceeds the per-transaction gas cap"))
	}
	if c.CodeDigits < 4 || c.CodeDigits > 12 {
		errs = append(errs, errors.New("api: CodeDigits must be between 4 and 12"))
	}
	if c.CodeTTL < 30*time.Second || c.CodeTTL > 24*time.Hour {
		errs = append(errs, errors.New("api: CodeTTL must be between 30s and 24h"))
	}
	if c.MaxAttempts < 1 || c.MaxCodes < 1 {
		errs = append(errs, errors.New("api: MaxAttempts and MaxCodes must be at least 1"))
	}
	if c.RatePerSecond <= 0 || c.RateBurst < 1 {
		errs = append(errs, errors.New("api: RatePerSecond and RateBurst must be positive"))
	}
	if c.MaxAllocations < 1 {
		errs = append(errs, errors.New("api: MaxAllocations must be positive"))
	}
	return errors.Join(errs...)
}

// addChunk is the most beneficiaries one addBeneficiaries transaction takes under the gas cap.
func (c Config) addChunk() int {
	return min(contractAllocateLimit, int((maxTxGas-c.BaseGas)/c.AddGas))
}
