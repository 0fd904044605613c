package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/rahataid/rahat/config"
)

var (
	errHelp  = errors.New("help shown")
	errUsage = errors.New("usage error")
)

// Env is what a command may touch of the process: its output and its environment.
type Env struct {
	Stdout, Stderr io.Writer
	Environ        []string
}

// Command is one `rahat` subcommand.
type Command struct {
	Name    string
	Summary string
	// Config says whether the command reads rahat.yaml and takes the config flags.
	Config bool
	// Flags adds the command's own flags.
	Flags func(fs *flag.FlagSet)
	// Exec runs the command with its loaded configuration (zero when Config is false) and logger.
	Exec func(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, args []string) error
}

func commands() []*Command {
	return []*Command{devCommand(), indexCommand(), serveCommand(), deployCommand(), migrateCommand(), chainCommand(), tokenCommand(), smsCommand(), versionCommand()}
}

func lookup(name string) (*Command, bool) {
	for _, c := range commands() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Run parses the flags, loads the configuration and runs the command.
func (c *Command) Run(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("rahat "+c.Name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	configPath := fs.String("config", "", "configuration file (default rahat.yaml if present)")
	overrides := map[string]*string{}
	if c.Config {
		for _, f := range config.Fields() {
			if f.Flag == "" {
				continue
			}
			overrides[f.Key] = fs.String(f.Flag, "", fmt.Sprintf("%s (%s; env %s)", f.Key, f.Kind, f.Env))
		}
	}
	if c.Flags != nil {
		c.Flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "rahat %s: %s\n\nFlags:\n", c.Name, c.Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	var cfg config.Config
	if c.Config {
		set := map[string]string{}
		fs.Visit(func(f *flag.Flag) {
			for key, v := range overrides {
				if config.FlagName(key) == f.Name {
					set[key] = *v
				}
			}
		})
		path, optional := *configPath, false
		if path == "" {
			path, optional = "rahat.yaml", true
		}
		var err error
		if cfg, err = config.Load(path, optional, env.Environ, set); err != nil {
			return err
		}
	}
	log := newLogger(env.Stderr, cfg.Log)
	return c.Exec(ctx, env, cfg, log, fs.Args())
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level)) // validated by config; the zero value (info) otherwise
	opts := &slog.HandlerOptions{Level: lvl}
	if strings.EqualFold(c.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
