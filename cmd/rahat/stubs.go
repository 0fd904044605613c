package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/rahataid/rahat/config"
)

func notYet(context.Context, *Env, config.Config, *slog.Logger, []string) error {
	return errors.New("not built yet")
}

func devCommand() *Command {
	return &Command{Name: "dev", Summary: "run everything on this machine: dev chain, contracts, workload, Postgres, indexer, APIs", Config: true, Exec: notYet}
}
func serveCommand() *Command {
	return &Command{Name: "serve", Summary: "serve GraphQL, REST, the SMS webhook and /metrics", Config: true, Exec: notYet}
}
func deployCommand() *Command {
	return &Command{Name: "deploy", Summary: "deploy the contracts and write their addresses to the manifest", Config: true, Exec: notYet}
}
