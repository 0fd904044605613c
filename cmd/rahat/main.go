package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// Main runs one subcommand and returns the process exit code. Tests call it directly.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			args = []string{args[1], "--help"}
		} else {
			usage(stdout)
			return 0
		}
	}
	cmd, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "rahat: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	env := &Env{Stdout: stdout, Stderr: stderr, Environ: environ}
	err := cmd.Run(ctx, env, args[1:])
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return 0 // interrupted by a signal: a clean stop
	default:
		fmt.Fprintf(stderr, "rahat %s: %v\n", cmd.Name, err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "rahat %s: Rahat aid-contract indexer and API\n\nUsage: rahat <command> [flags]\n\nCommands:\n", version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nRun `rahat <command> --help` for a command's flags. Configuration: rahat.yaml, RAHAT_* variables, flags.\n")
}
