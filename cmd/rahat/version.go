package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"

	"github.com/rahataid/rahat/config"
)

func versionCommand() *Command {
	return &Command{
		Name:    "version",
		Summary: "print the version",
		Exec: func(_ context.Context, env *Env, _ config.Config, _ *slog.Logger, _ []string) error {
			fmt.Fprintf(env.Stdout, "rahat %s %s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
