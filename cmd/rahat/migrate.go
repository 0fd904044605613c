package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/store"
)

func migrateCommand() *Command {
	var status *bool
	return &Command{
		Name:    "migrate",
		Summary: "apply pending database migrations (or list them with --status)",
		Config:  true,
		Flags: func(fs *flag.FlagSet) {
			status = fs.Bool("status", false, "list migrations and whether each is applied; change nothing")
		},
		Exec: func(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, _ []string) error {
			cfg.Database.Migrate = false // applied below, explicitly
			db, err := openDatabase(ctx, cfg, log, false)
			if err != nil {
				return err
			}
			defer db.Close()
			if *status {
				st, err := store.Status(ctx, db.Pool)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "VERSION\tNAME\tAPPLIED")
				for _, s := range st {
					applied := "pending"
					switch {
					case s.Unknown:
						applied = "applied, unknown to this binary: " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
					case s.Applied():
						applied = s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
					}
					fmt.Fprintf(w, "%04d\t%s\t%s\n", s.Version, s.Name, applied)
				}
				return w.Flush()
			}
			applied, err := store.Migrate(ctx, db.Pool, log)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%d migration(s) applied\n", len(applied))
			for _, m := range applied {
				fmt.Fprintf(env.Stdout, "  %s\n", m)
			}
			return nil
		},
	}
}
