package pgcluster

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"time"
)

// Config describes a private cluster. The zero value is not usable: Dir is required.
type Config struct {
	// Dir is the cluster's home, for example <state>/pg. It holds the data directory (Dir/data),
	// the superuser password (Dir/password, mode 0600), the server log (Dir/postgres.log) and,
	// when the path is short enough, the unix socket directory (Dir/run). It is created if missing.
	Dir string
	// Port is the TCP port on 127.0.0.1. Zero picks a free port, retrying if another process
	// takes it first; an explicit port that is in use is an error (ErrPortInUse).
	Port int
	// BinDir is the directory holding postgres and initdb. Empty searches PATH, pg_config
	// --bindir and the usual install locations (/usr/lib/postgresql/*/bin and others).
	BinDir string
	// Logger receives the cluster's lifecycle events. Nil discards them.
	Logger *slog.Logger
	// Settings are extra server parameters (GUCs) passed as -c name=value, overriding
	// postgresql.conf, for example {"max_connections": "200"}.
	Settings map[string]string
	// Ephemeral trades durability for speed, for throwaway test clusters: initdb --no-sync,
	// fsync=off, synchronous_commit=off, full_page_writes=off. A crash may corrupt the data.
	Ephemeral bool
	// RunAsUser is the operating-system user that runs initdb and postgres when this process is
	// root (PostgreSQL refuses to run as root). Empty tries "postgres", then "nobody".
	// It is ignored when not running as root.
	RunAsUser string
	// StartTimeout bounds initdb and each wait for the server to accept connections.
	// Defaults to 60s; the context passed to Start can cut it shorter.
	StartTimeout time.Duration
	// StopTimeout bounds a fast shutdown before Stop escalates to an immediate one.
	// Defaults to 30s; the context passed to Stop can cut it shorter.
	StopTimeout time.Duration
}

var settingNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// withDefaults returns a copy of c with defaults filled in and Dir made absolute.
func (c Config) withDefaults() (Config, error) {
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	c.StartTimeout = cmp.Or(c.StartTimeout, 60*time.Second)
	c.StopTimeout = cmp.Or(c.StopTimeout, 30*time.Second)
	if c.Dir != "" {
		abs, err := filepath.Abs(c.Dir)
		if err != nil {
			return c, fmt.Errorf("pgcluster: Dir %q: %w", c.Dir, err)
		}
		c.Dir = abs
	}
	return c, c.Validate()
}

// Validate reports the first invalid field, naming it.
func (c Config) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("pgcluster: Dir is required"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("pgcluster: Port %d is out of range 0-65535", c.Port))
	}
	if c.StartTimeout < 0 {
		errs = append(errs, fmt.Errorf("pgcluster: StartTimeout %v is negative", c.StartTimeout))
	}
	if c.StopTimeout < 0 {
		errs = append(errs, fmt.Errorf("pgcluster: StopTimeout %v is negative", c.StopTimeout))
	}
	for name := range c.Settings {
		if !settingNameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("pgcluster: Settings: %q is not a valid parameter name", name))
		}
	}
	return errors.Join(errs...)
}
