package main

import (
	"log/slog"
	"testing"

	"github.com/rahataid/rahat/config"
)

// TestChainDirKeepsTheChain: with dev.chain_dir, `rahat chain` started again is the same chain.
func TestChainDirKeepsTheChain(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := config.Defaults()
	cfg.Dev.ChainAddr, cfg.Dev.BlockInterval, cfg.Dev.ChainDir = "127.0.0.1:0", 0, t.TempDir()
	log := slog.New(slog.DiscardHandler)
	first, err := startChain(ctx, cfg, log, false, cfg.Dev.ChainDir)
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := first.Mine(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := startChain(ctx, cfg, log, false, cfg.Dev.ChainDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })
	if head := second.Head().Latest; head.Hash != hashes[len(hashes)-1] {
		t.Fatalf("restarted chain's head %d %s, want the block sealed before the restart %s", head.Number, head.Hash, hashes[len(hashes)-1])
	}
}
