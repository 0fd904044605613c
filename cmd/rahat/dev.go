package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/sync/errgroup"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/workload"
)

func devCommand() *Command {
	return &Command{
		Name:    "dev",
		Summary: "run everything on this machine: dev chain, contracts, workload, Postgres, indexer, APIs",
		Config:  true,
		Exec:    runDev,
	}
}

// runDev starts, in order: Postgres (private unless database.url is set), the embedded chain (unless a
// network is configured), the contracts, the indexer, the HTTP server and the workload; it runs until
// interrupted and then stops them in reverse order.
func runDev(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, _ []string) error {
	embedded := len(cfg.Networks) == 0
	db, err := openDevDatabase(ctx, cfg, log, embedded)
	if err != nil {
		return err
	}
	defer db.Close()

	var (
		chain *devchain.Chain
		dep   *workload.Deployment
	)
	if embedded {
		// In memory: rahat dev starts afresh, and recreates its database to match.
		if chain, err = startChain(ctx, cfg, log, false, ""); err != nil {
			return err
		}
		defer chain.Close()
		cfg.Networks = []config.Network{{
			Name: "dev", ChainID: devchain.ChainID, RPCURL: chain.HTTPURL(), WSURL: chain.WSURL(),
			FinalityDepth: devchain.DefaultFinalityDepth, PollInterval: config.Duration(time.Second),
			MaxBlockRange: 10_000, Concurrency: 4, RequestTimeout: config.Duration(30 * time.Second),
		}}
		if dep, err = workload.Deploy(ctx, chain.Client(), chain.Keys()[0], chainOptions(cfg, chain, log)); err != nil {
			return fmt.Errorf("deploying the contracts: %w", err)
		}
		cfg.Sources = dep.Sources("dev")
		fmt.Fprintf(env.Stdout, "\nrahat dev\n  chain     %s (websocket %s, chain id %d)\n  treasury  %s\n  projects  %s (factory)\n",
			chain.HTTPURL(), chain.WSURL(), devchain.ChainID, dep.Treasury, dep.ProjectFactory)
	}

	reg := newRegistry()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return runIndexers(gctx, cfg, db, log, reg, indexer.NewProgress(env.Stderr, log, 10*time.Second))
	})
	sec, err := loadSecrets(env.Environ, cfg.Keys.HexEnv)
	if err == nil {
		sec, err = devSecrets(cfg.StateDir, sec)
	}
	if err != nil {
		return err
	}
	if chain != nil {
		if err := setupDevAPI(ctx, env, &cfg, &sec, chain, dep); err != nil {
			return err
		}
	}
	mux, err := newServeMux(gctx, g, serveDeps{cfg: cfg, db: db, log: log, reg: reg, sec: sec, dev: true})
	if err != nil {
		return err
	}
	g.Go(func() error { return serveHTTP(gctx, log, cfg.Serve.Addr, mux, cfg.Serve.ShutdownTimeout.D()) })
	if cfg.Serve.StatusPage {
		fmt.Fprintf(env.Stdout, "  status    http://%s/\n", cfg.Serve.Addr)
	}
	fmt.Fprintf(env.Stdout, "  graphql   http://%s/graphql\n  metrics   http://%s/metrics\n\n", cfg.Serve.Addr, cfg.Serve.Addr)

	if chain != nil && cfg.Dev.Workload != "none" {
		g.Go(func() error { return playWorkload(gctx, cfg, chain, dep, log) })
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// playWorkload runs the configured workload profile on the embedded chain; demo keeps going until ctx ends.
func playWorkload(ctx context.Context, cfg config.Config, chain *devchain.Chain, dep *workload.Deployment, log *slog.Logger) error {
	wcfg, err := workload.Profile(cfg.Dev.Workload, cfg.Dev.Seed)
	if err != nil {
		return err
	}
	w, err := workload.New(ctx, chain.Client(), dep, chain.Keys()[0], wcfg, chainOptions(cfg, chain, log))
	if err != nil {
		return err
	}
	sum, err := w.Run(ctx)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("workload: %w", err)
	}
	log.Info("workload finished", "transactions", sum.Transactions, "events", sum.Total())
	return nil
}

// chainOptions makes the workload seal blocks itself when the embedded chain only seals on demand.
func chainOptions(cfg config.Config, chain *devchain.Chain, log *slog.Logger) workload.Options {
	opts := workload.Options{Logger: log}
	if cfg.Dev.BlockInterval == 0 {
		opts.Seal = func(ctx context.Context) error { _, err := chain.Mine(ctx, 1); return err }
	}
	return opts
}

// setupDevAPI gives the REST API of `rahat dev` a project of its own on the embedded chain: dev key 1 is
// its operator (project admin), dev key 2 its OTP server and dev key 3 sends each new vendor 1 ether
// for gas, all held by the transaction manager (the workload uses key 0 and keys of its own); it
// prints an operator token to try the API with.
func setupDevAPI(ctx context.Context, env *Env, cfg *config.Config, sec *secrets, chain *devchain.Chain, dep *workload.Deployment) error {
	keys := chain.Keys()
	operator, otp := crypto.PubkeyToAddress(keys[1].PublicKey), crypto.PubkeyToAddress(keys[2].PublicKey)
	budget := new(big.Int).Mul(big.NewInt(10_000_000), big.NewInt(100)) // 10 million tokens of 2 decimals
	p, err := workload.DeployProject(ctx, chain.Client(), chain.ChainID(), keys[0], dep.Treasury, dep.ProjectFactory,
		operator, otp, "Rahat dev API project", "RDA", budget)
	if err != nil {
		return fmt.Errorf("creating the API's dev project: %w", err)
	}
	funder := crypto.PubkeyToAddress(keys[3].PublicKey)
	sec.HexKeys = append(sec.HexKeys, keys[1], keys[2], keys[3])
	cfg.Keys.Operator, cfg.Keys.OTPServer = operator.Hex(), otp.Hex()
	if cfg.Keys.Funder == "" {
		cfg.Keys.Funder, cfg.Keys.VendorFundingWei = funder.Hex(), "1000000000000000000"
	}
	cfg.Tx.Confirmations, cfg.Tx.PollInterval = 2, config.Duration(200*time.Millisecond)
	tok, err := auth.IssueHS256(sec.JWT, auth.TokenSpec{Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience,
		Roles: []auth.Role{auth.RoleOperator, auth.RoleAdmin}, TTL: 24 * time.Hour})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "  api       project %s (token %s), operator %s\n  token     %s\n", p.Project, p.Token, operator, tok)
	return nil
}
