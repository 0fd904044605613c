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

func serveCommand() *Command {
	return &Command{Name: "serve", Summary: "serve GraphQL, REST, the SMS webhook and /metrics", Config: true, Exec: notYet}
}
