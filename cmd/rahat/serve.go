package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"path/filepath"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/live"
	"github.com/rahataid/rahat/keyring"
	"github.com/rahataid/rahat/phone"
	"github.com/rahataid/rahat/sms"
	"github.com/rahataid/rahat/status"
	"github.com/rahataid/rahat/txmgr"
)

func serveCommand() *Command {
	return &Command{
		Name:    "serve",
		Summary: "serve GraphQL (/graphql), the REST API (/v1), the SMS webhooks (/sms), /metrics and health checks",
		Config:  true,
		Exec: func(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, _ []string) error {
			sec, err := loadSecrets(env.Environ, cfg.Keys.HexEnv)
			if err != nil {
				return err
			}
			db, err := openDatabase(ctx, cfg, log, false)
			if err != nil {
				return err
			}
			defer db.Close()
			reg := newRegistry()
			g, ctx := errgroup.WithContext(ctx)
			mux, err := newServeMux(ctx, g, serveDeps{cfg: cfg, db: db, log: log, reg: reg, sec: sec})
			if err != nil {
				return err
			}
			g.Go(func() error { return serveHTTP(ctx, log, cfg.Serve.Addr, mux, cfg.Serve.ShutdownTimeout.D()) })
			return g.Wait()
		},
	}
}

// serveDeps is what newServeMux wires together.
type serveDeps struct {
	cfg config.Config
	db  *database
	log *slog.Logger
	reg *prometheus.Registry
	sec secrets
	dev bool // rahat dev: dev SMS outbox, light keystore encryption
}

// newServeMux builds everything `rahat serve` answers and starts its background workers on g: GraphQL
// always; the SMS webhooks when the phone keys are set; the REST API when, in addition, a network and the
// operator and OTP server keys are configured.
func newServeMux(ctx context.Context, g *errgroup.Group, d serveDeps) (*http.ServeMux, error) {
	cfg, log := d.cfg, d.log
	mux := http.NewServeMux()
	mountOps(mux, d.reg, d.db, cfg.Serve.ReadyMaxLag)
	var chainID uint64
	network, hasNetwork := cfg.ServeNetwork()
	if hasNetwork {
		chainID = network.ChainID
		log.Info("serving one network", "network", network.Name, "chain_id", chainID)
	}
	// One token verifier for the REST API and GraphQL's operational fields (nil: no key configured).
	authCfg := auth.Config{Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience, HS256Secret: d.sec.JWT, JWKSFile: cfg.Auth.JWKSFile, JWKSURL: cfg.Auth.JWKSURL, Logger: log}
	var verifier *auth.Verifier
	if err := d.db.openKeyset(ctx, cfg); err != nil {
		return nil, err
	}
	gqlCfg := graphql.Config{DB: d.db.Read, KeysetDB: d.db.Keyset, Logger: log.With("component", "graphql"), Registry: d.reg, ChainID: chainID}
	if len(d.sec.JWT) > 0 || cfg.Auth.JWKSFile != "" || cfg.Auth.JWKSURL != "" {
		v, err := auth.NewVerifier(ctx, authCfg)
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		verifier, gqlCfg.Verifier = v, v
	}
	// Subscriptions: the hub LISTENs on the primary (NOTIFY does not reach replicas) and holds each
	// block back until the read replica, if any, has it.
	hub, err := live.New(live.Config{Primary: d.db.Pool, Read: d.db.Read, Logger: log.With("component", "live"), Registry: d.reg})
	if err != nil {
		return nil, err
	}
	g.Go(func() error { return hub.Run(ctx) })
	gqlCfg.Live, gqlCfg.RequireAuth = hub, cfg.GraphQL.Auth
	gqlCfg.Subscriptions = graphql.SubscriptionLimits{MaxPerConnection: cfg.GraphQL.MaxSubscriptionsPerConnection,
		MaxConnectionsPerIP: cfg.GraphQL.MaxConnectionsPerIP, MaxMessageBytes: cfg.GraphQL.MaxMessageBytes,
		KeepAlive: cfg.GraphQL.KeepAlive.D(), MaxQueued: cfg.GraphQL.SubscriberQueue}
	if cfg.GraphQL.Auth && gqlCfg.Verifier == nil {
		return nil, errors.New("graphql.auth needs RAHAT_JWT_SECRET or auth.jwks_file / auth.jwks_url")
	}
	gql, err := graphql.NewHandler(gqlCfg)
	if err != nil {
		return nil, fmt.Errorf("graphql: %w", err)
	}
	mux.Handle("/graphql", gql)
	if cfg.Serve.StatusPage {
		st, err := status.New(status.Config{DB: d.db.Read, Hub: hub, ChainID: chainID, Version: version, Logger: log.With("component", "status")})
		if err != nil {
			return nil, err
		}
		st.Mount(mux)
		g.Go(func() error { return st.Run(ctx) })
	}

	if d.sec.PhoneHashKey == nil || d.sec.PhoneEncKey == nil {
		log.Warn("SMS and the REST API are off: set RAHAT_PHONE_HASH_KEY and RAHAT_PHONE_ENC_KEY")
		return mux, nil
	}
	phones, err := phone.NewHasher(d.sec.PhoneHashKey, cfg.Phone.Region)
	if err != nil {
		return nil, err
	}
	box, err := phone.NewBox(d.sec.PhoneEncKey)
	if err != nil {
		return nil, err
	}
	twilio := sms.Twilio{AccountSID: cfg.SMS.TwilioAccountSID, AuthToken: d.sec.TwilioToken, From: cfg.SMS.TwilioFrom, BaseURL: cfg.SMS.TwilioBaseURL}
	publicURL := cfg.SMS.PublicURL
	if d.dev {
		twilio.AuthToken = cmp.Or(twilio.AuthToken, sms.DevAuthToken)
		publicURL = cmp.Or(publicURL, "http://"+cfg.Serve.Addr)
	}
	svc, err := sms.New(sms.Config{DB: d.db.Pool, Read: d.db.Read, ChainID: chainID, Phones: phones, Box: box,
		Twilio: twilio, PublicURL: publicURL, DevOutbox: d.dev, Logger: log.With("component", "sms"), Registry: d.reg})
	if err != nil {
		return nil, fmt.Errorf("sms: %w", err)
	}
	mux.Handle("/sms/", svc.Handler())
	g.Go(func() error { return svc.Run(ctx) })

	if !hasNetwork || cfg.Keys.Operator == "" || cfg.Keys.OTPServer == "" {
		log.Warn("the REST API is off: configure a network, keys.operator and keys.otp_server")
		return mux, nil
	}
	if len(d.sec.JWT) == 0 && cfg.Auth.JWKSFile == "" && cfg.Auth.JWKSURL == "" {
		return nil, errors.New("the REST API needs RAHAT_JWT_SECRET or auth.jwks_file / auth.jwks_url")
	}
	ring, err := keyring.Open(ctx, keyring.Options{Dir: keystoreDir(cfg), Passphrase: d.sec.KeystorePass, Light: d.dev, Static: d.sec.HexKeys, DB: d.db.Pool, Logger: d.log})
	if err != nil {
		return nil, err
	}
	if network.RPCURL == "" {
		return nil, fmt.Errorf("the REST API sends transactions: network %s needs an rpc_url", network.Name)
	}
	client, err := ethclient.DialContext(ctx, network.RPCURL)
	if err != nil {
		return nil, fmt.Errorf("dialling %s: %w", network.Name, err)
	}
	gwei := big.NewInt(1_000_000_000)
	tm, err := txmgr.New(txmgr.Config{DB: d.db.Pool, Client: client, ChainID: chainID, Keys: ring,
		Confirmations: cfg.Tx.Confirmations, FeeCap: new(big.Int).Mul(gwei, new(big.Int).SetUint64(cfg.Tx.FeeCapGwei)),
		TipCap: new(big.Int).Mul(gwei, new(big.Int).SetUint64(cfg.Tx.TipCapGwei)), ResendAfter: cfg.Tx.ResendAfter.D(),
		PollInterval: cfg.Tx.PollInterval.D(), MaxSessions: cfg.Tx.MaxSessions, Logger: log.With("component", "txmgr"), Registry: d.reg})
	if err != nil {
		return nil, fmt.Errorf("txmgr: %w", err)
	}
	g.Go(func() error { return tm.Run(ctx) })
	srv, err := api.New(api.Config{DB: d.db.Pool, Read: d.db.Read, Tx: tm, Client: client, ChainID: chainID,
		Auth: authCfg, Verifier: verifier,
		Phones: phones, Box: box, PhoneRegion: cfg.Phone.Region, Codes: smsCodes{svc}, Keys: ring,
		Operator: common.HexToAddress(cfg.Keys.Operator), OTPServer: common.HexToAddress(cfg.Keys.OTPServer),
		Funder: common.HexToAddress(cfg.Keys.Funder), VendorFunding: cfg.Keys.VendorFunding(),
		Logger: log.With("component", "api"), Registry: d.reg})
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	mux.Handle("/v1/", srv)
	g.Go(func() error { return srv.Run(ctx) })
	return mux, nil
}

// smsCodes hands the API's one-time codes to the SMS service.
type smsCodes struct{ s *sms.Service }

func (c smsCodes) SendClaimCode(ctx context.Context, tx pgx.Tx, m api.ClaimCode) error {
	return c.s.SendClaimCode(ctx, tx, sms.ClaimCode(m))
}

func keystoreDir(cfg config.Config) string {
	if cfg.Keys.Keystore != "" {
		return cfg.Keys.Keystore
	}
	return filepath.Join(cfg.StateDir, "keystore")
}
