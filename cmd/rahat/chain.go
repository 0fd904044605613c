package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/devchain"
)

func chainCommand() *Command {
	var autoMine *bool
	return &Command{
		Name:    "chain",
		Summary: "run the embedded dev chain alone, serving JSON-RPC (HTTP and websocket)",
		Config:  true,
		Flags: func(fs *flag.FlagSet) {
			autoMine = fs.Bool("automine", false, "also seal a block as soon as transactions arrive")
		},
		Exec: func(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, _ []string) error {
			chain, err := startChain(ctx, cfg, log, *autoMine, cfg.Dev.ChainDir)
			if err != nil {
				return err
			}
			defer chain.Close()
			<-ctx.Done()
			return nil
		},
	}
}

// startChain starts the embedded chain on dev.chain_addr, kept in dataDir (empty: in memory); it
// logs where it serves.
func startChain(ctx context.Context, cfg config.Config, log *slog.Logger, autoMine bool, dataDir string) (*devchain.Chain, error) {
	chain, err := devchain.Start(ctx, devchain.Config{
		HTTPAddr:      cfg.Dev.ChainAddr,
		BlockInterval: cfg.Dev.BlockInterval.D(),
		AutoMine:      autoMine,
		DataDir:       dataDir,
		Logger:        log,
	})
	if err != nil {
		return nil, fmt.Errorf("starting the dev chain on %s: %w", cfg.Dev.ChainAddr, err)
	}
	return chain, nil
}
