package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
)

func indexCommand() *Command {
	return &Command{
		Name:    "index",
		Summary: "index the configured contracts into Postgres (backfill, then live); one active writer per chain",
		Config:  true,
		Exec: func(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, _ []string) error {
			if len(cfg.Networks) == 0 || len(cfg.Sources) == 0 {
				return errors.New("nothing to index: configure networks and sources in rahat.yaml (rahat deploy writes the sources)")
			}
			for i, n := range cfg.Networks {
				if n.RPCURL == "" {
					return fmt.Errorf("networks[%d].rpc_url is required for rahat index (the embedded chain runs only in rahat dev)", i)
				}
			}
			db, err := openDatabase(ctx, cfg, log, false)
			if err != nil {
				return err
			}
			defer db.Close()
			reg := newRegistry()
			g, ctx := errgroup.WithContext(ctx)
			if cfg.Index.MetricsAddr != "" {
				mux := http.NewServeMux()
				mountOps(mux, reg, db, cfg.Serve.ReadyMaxLag)
				g.Go(func() error { return serveHTTP(ctx, log, cfg.Index.MetricsAddr, mux, cfg.Serve.ShutdownTimeout.D()) })
			}
			g.Go(func() error {
				return runIndexers(ctx, cfg, db, log, reg, indexer.NewProgress(env.Stderr, log, 10*time.Second))
			})
			return g.Wait()
		},
	}
}

// newRegistry returns the process's Prometheus registry with the Go and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// runIndexers runs one indexer per configured network until ctx ends or one fails.
func runIndexers(ctx context.Context, cfg config.Config, db *database, log *slog.Logger, reg *prometheus.Registry, progress indexer.Progress) error {
	g, ctx := errgroup.WithContext(ctx)
	for i, n := range cfg.Networks {
		hreg := reg
		if i > 0 {
			hreg = nil // the entity collectors are registered once; later networks keep theirs private
		}
		handlers, err := newHandlers(ctx, n, log, hreg)
		if err != nil {
			return err
		}
		ix, err := indexer.New(indexer.Config{
			Network:         n,
			Sources:         cfg.Sources,
			DB:              db.Pool,
			ABI:             contracts.ABI,
			Handlers:        handlers,
			Logger:          log,
			Registry:        reg,
			Progress:        progress,
			PartitionBlocks: cfg.Index.PartitionBlocks,
			CoveringIndexes: cfg.Index.CoveringIndexes,
		})
		if err != nil {
			return fmt.Errorf("network %s: %w", n.Name, err)
		}
		g.Go(func() error { return ix.Run(ctx) })
	}
	return g.Wait()
}

// newHandlers builds the derived-state handlers for one network: the entities (tokens, projects,
// beneficiaries, vendors, claims, balances), which read token metadata and claims over the node's RPC.
func newHandlers(ctx context.Context, n config.Network, log *slog.Logger, reg *prometheus.Registry) ([]indexer.Handler, error) {
	client, err := ethclient.DialContext(ctx, n.RPCURL)
	if err != nil {
		return nil, fmt.Errorf("network %s: dialling %s: %w", n.Name, n.RPCURL, err)
	}
	chain, err := entity.NewRPC(client)
	if err != nil {
		return nil, err
	}
	h, err := entity.New(entity.Config{Chain: chain, Logger: log.With("component", "entity", "network", n.Name), Registry: reg, Network: n.Name})
	if err != nil {
		return nil, err
	}
	return []indexer.Handler{h}, nil
}
