package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Suite is one group of benchmarks that share a setup.
type Suite struct {
	Name string
	Run  func(ctx context.Context, env *Env) ([]Result, error)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	only := fs.String("only", "", "comma-separated suites to run (default: all)")
	scale := fs.Float64("scale", 1, "multiply workload sizes (use <1 for a quick look; reports are only written at 1)")
	out := fs.String("out", ".", "repository root to write docs/benchmarks.md and bench/results.json into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	env, err := newEnv(ctx, log, *scale)
	if err != nil {
		return err
	}
	defer env.Close()

	var results []Result
	started := time.Now()
	for _, s := range suites() {
		if *only != "" && !contains(strings.Split(*only, ","), s.Name) {
			continue
		}
		log.Info("suite starting", "suite", s.Name)
		rs, err := s.Run(ctx, env)
		if err != nil {
			return fmt.Errorf("suite %s: %w", s.Name, err)
		}
		for _, r := range rs {
			fmt.Printf("%-48s %14.2f %-10s ratio %s vs %s (target %s: met=%v)\n", r.Name, r.Value, r.Unit, ratioText(r.Ratio), r.Baseline, r.Target, r.Met)
		}
		results = append(results, rs...)
	}
	if *scale != 1 {
		log.Warn("scale is not 1: reports not written")
		return nil
	}
	if os.Getenv(gqlOnlyEnv) != "" {
		log.Warn(gqlOnlyEnv + " is set: reports not written")
		return nil
	}
	cmd := "make bench"
	if *only != "" {
		cmd = "go run ./bench -only " + *only
	}
	return writeReports(*out, cmd, started, results, *only != "")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.TrimSpace(v) == s {
			return true
		}
	}
	return false
}
