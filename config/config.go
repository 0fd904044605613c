package config

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is everything `rahat` reads from rahat.yaml, RAHAT_* environment variables and flags, in that order
// of precedence (a flag beats the environment, which beats the file).
type Config struct {
	// Log sets the logger.
	Log Log `yaml:"log"`
	// StateDir holds the private Postgres cluster, keystores and other local state (rahat dev).
	StateDir string `yaml:"state_dir"`
	// Database is the Postgres the indexer writes and the APIs read.
	Database Database `yaml:"database"`
	// Networks are the chains to index; `rahat dev` adds the embedded chain when none has an RPC URL.
	Networks []Network `yaml:"networks"`
	// Sources are the contracts to index.
	Sources []Source `yaml:"sources"`
	// Index tunes the indexer.
	Index Index `yaml:"index"`
	// Serve configures the HTTP server (GraphQL, REST, SMS webhook, metrics).
	Serve Serve `yaml:"serve"`
	// GraphQL configures /graphql: its auth switch and the limits of subscriptions.
	GraphQL GraphQL `yaml:"graphql"`
	// Dev configures `rahat dev` and `rahat chain`.
	Dev Dev `yaml:"dev"`
	// Keys says where the signing keys of `rahat serve` come from.
	Keys Keys `yaml:"keys"`
	// Auth configures the REST API's bearer tokens.
	Auth Auth `yaml:"auth"`
	// Phone configures how beneficiaries' numbers are read.
	Phone Phone `yaml:"phone"`
	// SMS configures Twilio.
	SMS SMS `yaml:"sms"`
	// Tx tunes the transaction manager.
	Tx Tx `yaml:"tx"`
}

// Keys says where signing keys are. Secrets are never in the file: the keystore passphrase comes from
// RAHAT_KEYSTORE_PASSWORD, development hex keys from the variable named by hex_env.
type Keys struct {
	// Keystore is a directory of go-ethereum encrypted key files (operator, OTP server, vendors' custodial
	// keys, which the API creates there).
	Keystore string `yaml:"keystore"`
	// HexEnv names an environment variable holding comma-separated hex private keys (development only).
	HexEnv string `yaml:"hex_env"`
	// Operator is the address of the projects' admin key the API signs distributions with.
	Operator string `yaml:"operator"`
	// OTPServer is the address of the projects' OTP server key.
	OTPServer string `yaml:"otp_server"`
	// Funder is the address of a key (in the keystore) that sends every vendor the API creates
	// VendorFundingWei for gas: a custodial vendor key signs its own claims and settlements.
	Funder string `yaml:"funder"`
	// VendorFundingWei is what Funder sends each new vendor, in wei (decimal). 0 sends nothing;
	// the vendors' addresses must then be funded some other way.
	VendorFundingWei string `yaml:"vendor_funding_wei"`
}

// VendorFunding returns keys.vendor_funding_wei as a number (Validate checked it).
func (k Keys) VendorFunding() *big.Int {
	v, ok := new(big.Int).SetString(cmp.Or(k.VendorFundingWei, "0"), 10)
	if !ok {
		return new(big.Int)
	}
	return v
}

// Auth configures JWT verification. An HS256 secret comes from RAHAT_JWT_SECRET.
type Auth struct {
	// Issuer is the required "iss".
	Issuer string `yaml:"issuer"`
	// Audience is the required "aud".
	Audience string `yaml:"audience"`
	// JWKSFile and JWKSURL give public keys (RS256, ES256, EdDSA), several at once for rotation.
	JWKSFile string `yaml:"jwks_file"`
	JWKSURL  string `yaml:"jwks_url"`
}

// Phone configures numbers. The hashing key (RAHAT_PHONE_HASH_KEY) and the sealing key
// (RAHAT_PHONE_ENC_KEY) are 32-byte hex secrets from the environment.
type Phone struct {
	// Region is the ISO 3166 region of numbers given without a country code.
	Region string `yaml:"region"`
}

// SMS configures Twilio. The auth token comes from RAHAT_SMS_TWILIO_AUTH_TOKEN.
type SMS struct {
	// PublicURL is the URL at which Twilio reaches this server (signatures are computed over it).
	PublicURL string `yaml:"public_url"`
	// TwilioAccountSID is the account; empty sends nothing (rahat dev logs and shows messages instead).
	TwilioAccountSID string `yaml:"twilio_account_sid"`
	// TwilioFrom is the sending number or sender id.
	TwilioFrom string `yaml:"twilio_from"`
	// TwilioBaseURL replaces https://api.twilio.com (tests, proxies).
	TwilioBaseURL string `yaml:"twilio_base_url"`
}

// Tx tunes the transaction manager.
type Tx struct {
	// Confirmations is how deep a transaction must be to be final.
	Confirmations uint64 `yaml:"confirmations"`
	// FeeCapGwei caps the max fee per gas; TipCapGwei the first attempt's tip.
	FeeCapGwei uint64 `yaml:"fee_cap_gwei"`
	TipCapGwei uint64 `yaml:"tip_cap_gwei"`
	// ResendAfter is how long a transaction may stay unmined before it is replaced with higher fees.
	ResendAfter Duration `yaml:"resend_after"`
	// PollInterval is how often receipts are polled.
	PollInterval Duration `yaml:"poll_interval"`
	// MaxSessions bounds the signers sending at once; each holds one database connection outside
	// database.max_conns while it has work.
	MaxSessions int `yaml:"max_sessions"`
}

// Log configures log/slog.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
}

// Database says where Postgres is.
type Database struct {
	// URL is a postgres:// URL. Empty means a private cluster under StateDir (rahat dev) started from the
	// machine's PostgreSQL binaries. DATABASE_URL is read too when RAHAT_DATABASE_URL is unset.
	URL string `yaml:"url"`
	// ReadURL, when set, sends GraphQL reads to a replica.
	ReadURL string `yaml:"read_url"`
	// Migrate applies pending migrations at start.
	Migrate bool `yaml:"migrate"`
	// MaxConns caps the connection pool.
	MaxConns int `yaml:"max_conns"`
}

// Index tunes the indexer.
type Index struct {
	// BatchBlocks is the largest number of blocks committed in one transaction during backfill.
	BatchBlocks uint64 `yaml:"batch_blocks"`
	// PartitionBlocks is the block span of one partition of the event tables.
	PartitionBlocks uint64 `yaml:"partition_blocks"`
	// CoveringIndexes builds covering indexes of the event tables once the backfill is done, so a
	// filtered list by an indexed parameter (an address, mostly) reads the index alone: about
	// half the database's work per page, for indexes several times the size of the plain ones.
	CoveringIndexes bool `yaml:"covering_indexes"`
	// MetricsAddr is where `rahat index` serves /metrics, /healthz and /readyz; empty disables it.
	MetricsAddr string `yaml:"metrics_addr"`
}

// Serve configures `rahat serve`.
type Serve struct {
	// Addr is the listen address of the HTTP server.
	Addr string `yaml:"addr"`
	// ShutdownTimeout bounds the graceful drain of HTTP requests at shutdown.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// ReadyMaxLag is how many blocks the index may trail the node's head for /readyz to answer ready.
	ReadyMaxLag uint64 `yaml:"ready_max_lag"`
	// StatusPage serves the public status page at / (networks, lag, reorgs, throughput, latest
	// events; no secrets, like /healthz) and its /status.json.
	StatusPage bool `yaml:"status_page"`
	// Network names the network `rahat serve` answers for: GraphQL, the status page, the SMS
	// webhooks and the REST API read and send on that chain alone. Empty means the first of
	// networks. `rahat index` follows every network; run one serve deployment per chain.
	Network string `yaml:"network"`
}

// GraphQL configures /graphql. Zero limits take the server's defaults.
type GraphQL struct {
	// Auth makes every GraphQL request (queries, websocket connection_init, SSE) need a bearer token
	// of the REST API's; off, GraphQL is public, like TheGraph's.
	Auth bool `yaml:"auth"`
	// MaxSubscriptionsPerConnection bounds the operations of one websocket.
	MaxSubscriptionsPerConnection int `yaml:"max_subscriptions_per_connection"`
	// MaxConnectionsPerIP bounds the websocket and SSE connections of one client address.
	MaxConnectionsPerIP int `yaml:"max_connections_per_ip"`
	// MaxMessageBytes bounds a message a websocket client sends.
	MaxMessageBytes int64 `yaml:"max_message_bytes"`
	// KeepAlive is the interval of keep-alive pings to subscribers.
	KeepAlive Duration `yaml:"keepalive"`
	// SubscriberQueue is how many messages may wait for one client before it is dropped as too slow.
	SubscriberQueue int `yaml:"subscriber_queue"`
}

// Dev configures the embedded dev chain and workload.
type Dev struct {
	// ChainAddr is the listen address of the embedded chain's JSON-RPC (HTTP and websocket).
	ChainAddr string `yaml:"chain_addr"`
	// BlockInterval is the embedded chain's block time; 0 seals blocks only on demand.
	BlockInterval Duration `yaml:"block_interval"`
	// ChainDir keeps the chain of `rahat chain` in a directory, so that a restarted chain is the
	// same chain; empty keeps it in memory. `rahat dev` always starts a fresh chain (and database).
	ChainDir string `yaml:"chain_dir"`
	// Workload names the workload to play: none, small, demo or large.
	Workload string `yaml:"workload"`
	// Seed makes the workload deterministic.
	Seed int64 `yaml:"seed"`
}

// Defaults returns the configuration used where rahat.yaml says nothing.
func Defaults() Config {
	return Config{
		Log:      Log{Level: "info", Format: "text"},
		StateDir: ".rahat",
		Database: Database{Migrate: true, MaxConns: 16},
		Index:    Index{BatchBlocks: 2000, PartitionBlocks: 1_000_000, CoveringIndexes: true, MetricsAddr: "127.0.0.1:9091"},
		Serve:    Serve{Addr: "127.0.0.1:8080", ShutdownTimeout: Duration(10 * time.Second), ReadyMaxLag: 64, StatusPage: true},
		GraphQL:  GraphQL{MaxSubscriptionsPerConnection: 100, MaxConnectionsPerIP: 1000, MaxMessageBytes: 64 << 10, KeepAlive: Duration(15 * time.Second), SubscriberQueue: 256},
		Dev:      Dev{ChainAddr: "127.0.0.1:8545", BlockInterval: Duration(time.Second), Workload: "demo", Seed: 1},
		Keys:     Keys{HexEnv: "RAHAT_DEV_KEYS"},
		Auth:     Auth{Issuer: "rahat", Audience: "rahat-api"},
		Phone:    Phone{Region: "NP"},
		Tx: Tx{Confirmations: 12, FeeCapGwei: 200, TipCapGwei: 2, ResendAfter: Duration(2 * time.Minute),
			PollInterval: Duration(2 * time.Second), MaxSessions: 8},
	}
}

// applyNetworkDefaults fills the per-network defaults that the file may leave out.
func (c *Config) applyNetworkDefaults() {
	for i := range c.Networks {
		n := &c.Networks[i]
		if n.FinalityTag == "" {
			n.FinalityDepth = cmp.Or(n.FinalityDepth, 64)
		}
		n.PollInterval = cmp.Or(n.PollInterval, Duration(time.Second))
		n.MaxBlockRange = cmp.Or(n.MaxBlockRange, 10_000)
		n.Concurrency = cmp.Or(n.Concurrency, 4)
		n.RequestTimeout = cmp.Or(n.RequestTimeout, Duration(30*time.Second))
	}
	for i := range c.Sources {
		if c.Sources[i].Network == "" && len(c.Networks) == 1 {
			c.Sources[i].Network = c.Networks[0].Name
		}
	}
}

// Load reads the file at path (missing is fine when optional), then the environment, then the flags'
// overrides (key paths such as "database.url" to values), and validates the result.
func Load(path string, optional bool, environ []string, overrides map[string]string) (Config, error) {
	cfg := Defaults()
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist) && optional:
		case err != nil:
			return Config{}, fmt.Errorf("reading config: %w", err)
		default:
			if err := decodeYAML(b, &cfg); err != nil {
				return Config{}, fmt.Errorf("config %s: %w", path, err)
			}
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return Config{}, err
	}
	for _, k := range sortedKeys(overrides) {
		if err := Set(&cfg, k, overrides[k]); err != nil {
			return Config{}, fmt.Errorf("flag --%s: %w", FlagName(k), err)
		}
	}
	cfg.applyNetworkDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func decodeYAML(b []byte, cfg *Config) error {
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, errEOF) {
		return err
	}
	return nil
}

// applyEnv reads RAHAT_* variables (and DATABASE_URL as a fallback for database.url).
func applyEnv(cfg *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			env[k] = v
		}
	}
	if v, ok := env["DATABASE_URL"]; ok && v != "" {
		if _, set := env["RAHAT_DATABASE_URL"]; !set {
			env["RAHAT_DATABASE_URL"] = v
		}
	}
	for _, name := range sortedKeys(env) {
		if !strings.HasPrefix(name, "RAHAT_") {
			continue
		}
		key, ok := keyForEnv(cfg, name)
		if !ok {
			continue // RAHAT_* variables that are not config (e.g. secrets read elsewhere)
		}
		if err := Set(cfg, key, env[name]); err != nil {
			return fmt.Errorf("environment %s: %w", name, err)
		}
	}
	return nil
}

// Validate checks every field and names the first bad one.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.Log.Level)); err != nil {
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q is not text or json", c.Log.Format)
	}
	for _, u := range []struct{ field, v string }{{"database.url", c.Database.URL}, {"database.read_url", c.Database.ReadURL}} {
		if u.v != "" && !strings.HasPrefix(u.v, "postgres://") && !strings.HasPrefix(u.v, "postgresql://") {
			bad(u.field, "must be a postgres:// URL")
		}
	}
	if c.Database.MaxConns < 2 || c.Database.MaxConns > 1000 {
		bad("database.max_conns", "%d is outside 2..1000", c.Database.MaxConns)
	}
	if c.Serve.Network != "" && !slices.ContainsFunc(c.Networks, func(n Network) bool { return n.Name == c.Serve.Network }) {
		bad("serve.network", "%q names no network under networks", c.Serve.Network)
	}
	if c.Index.BatchBlocks == 0 || c.Index.PartitionBlocks < 1000 {
		bad("index", "batch_blocks must be > 0 and partition_blocks >= 1000")
	}
	names := map[string]bool{}
	for i, n := range c.Networks {
		f := fmt.Sprintf("networks[%d]", i)
		switch {
		case n.Name == "":
			bad(f+".name", "is required")
		case names[n.Name]:
			bad(f+".name", "%q is used twice", n.Name)
		}
		names[n.Name] = true
		if n.ChainID == 0 {
			bad(f+".chain_id", "is required")
		}
		checkURL(bad, f+".rpc_url", n.RPCURL, "http", "https", "ws", "wss")
		checkURL(bad, f+".ws_url", n.WSURL, "ws", "wss")
		if n.FinalityTag != "" && n.FinalityTag != "finalized" && n.FinalityTag != "safe" {
			bad(f+".finality_tag", "%q is not finalized or safe", n.FinalityTag)
		}
		if n.Concurrency < 1 || n.Concurrency > 64 {
			bad(f+".concurrency", "%d is outside 1..64", n.Concurrency)
		}
	}
	srcs := map[string]bool{}
	for i, s := range c.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			bad(f+".name", "is required")
		} else if srcs[s.Name] {
			bad(f+".name", "%q is used twice", s.Name)
		}
		srcs[s.Name] = true
		if !names[s.Network] {
			bad(f+".network", "%q is not a configured network", s.Network)
		}
		if s.Contract == "" {
			bad(f+".contract", "is required")
		}
		switch {
		case s.Address != "" && s.Factory != nil:
			bad(f, "has both an address and a factory")
		case s.Address == "" && s.Factory == nil:
			bad(f, "needs an address or a factory")
		case s.Address != "" && !isHexAddress(s.Address):
			bad(f+".address", "%q is not a 0x-prefixed 20-byte hex address", s.Address)
		case s.Factory != nil && (s.Factory.Source == "" || s.Factory.Event == "" || s.Factory.Param == ""):
			bad(f+".factory", "needs source, event and param")
		}
	}
	for i, s := range c.Sources {
		if s.Factory != nil && s.Factory.Source != "" && !srcs[s.Factory.Source] {
			bad(fmt.Sprintf("sources[%d].factory.source", i), "%q is not a configured source", s.Factory.Source)
		}
	}
	if c.Serve.Addr == "" {
		bad("serve.addr", "is required")
	}
	if g := c.GraphQL; g.MaxSubscriptionsPerConnection < 0 || g.MaxConnectionsPerIP < 0 || g.MaxMessageBytes < 0 || g.KeepAlive < 0 || g.SubscriberQueue < 0 {
		bad("graphql", "limits must not be negative")
	}
	for _, a := range []struct{ field, v string }{{"keys.operator", c.Keys.Operator}, {"keys.otp_server", c.Keys.OTPServer}, {"keys.funder", c.Keys.Funder}} {
		if a.v != "" && !isHexAddress(a.v) {
			bad(a.field, "%q is not a 0x-prefixed 20-byte hex address", a.v)
		}
	}
	if w, ok := new(big.Int).SetString(cmp.Or(c.Keys.VendorFundingWei, "0"), 10); !ok || w.Sign() < 0 {
		bad("keys.vendor_funding_wei", "%q is not a non-negative whole number of wei", c.Keys.VendorFundingWei)
	} else if w.Sign() > 0 && c.Keys.Funder == "" {
		bad("keys.vendor_funding_wei", "needs keys.funder, the key that sends it")
	}
	if len(c.Phone.Region) != 2 {
		bad("phone.region", "%q is not a two-letter ISO 3166 region", c.Phone.Region)
	}
	checkURL(bad, "sms.public_url", c.SMS.PublicURL, "http", "https")
	checkURL(bad, "sms.twilio_base_url", c.SMS.TwilioBaseURL, "http", "https")
	checkURL(bad, "auth.jwks_url", c.Auth.JWKSURL, "https", "http")
	if c.Tx.Confirmations == 0 || c.Tx.FeeCapGwei == 0 || c.Tx.TipCapGwei > c.Tx.FeeCapGwei {
		bad("tx", "confirmations and fee_cap_gwei must be > 0 and tip_cap_gwei <= fee_cap_gwei")
	}
	if c.Tx.MaxSessions < 1 || c.Tx.MaxSessions > 1000 {
		bad("tx.max_sessions", "%d is outside 1..1000", c.Tx.MaxSessions)
	}
	switch c.Dev.Workload {
	case "none", "small", "demo", "large":
	default:
		bad("dev.workload", "%q is not one of none, small, demo, large", c.Dev.Workload)
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid config: %w", errors.Join(errs...))
	}
	return nil
}

func checkURL(bad func(string, string, ...any), field, v string, schemes ...string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		bad(field, "%q is not a URL", v)
		return
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return
		}
	}
	bad(field, "scheme %q is not one of %s", u.Scheme, strings.Join(schemes, ", "))
}

func isHexAddress(s string) bool {
	if len(s) != 42 || !strings.HasPrefix(s, "0x") {
		return false
	}
	for _, c := range s[2:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
