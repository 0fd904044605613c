package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Cluster is a running (or stopped) private PostgreSQL server. Its methods are safe for
// concurrent use.
type Cluster struct {
	cfg      Config
	layout   layout
	bins     binaries
	acct     *account // nil when not root
	logger   *slog.Logger
	password string
	port     int // fixed after the first successful start, so URLs stay valid across restarts

	mu   sync.Mutex // serialises Start and Stop, guards srv and dirLock
	srv  *server
	lock *dirLock
}

// Start starts a private cluster described by cfg, initialising it first if cfg.Dir is new,
// and creates the database "rahat" if it is missing. It returns once the server accepts
// connections. ctx bounds only the start: the server runs until Stop, or until this process
// exits (see doc.go). Without server binaries the error wraps ErrNoBinaries; a directory
// already in use wraps ErrDataDirInUse; an explicit port in use wraps ErrPortInUse.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	bins, err := findBinaries(ctx, cfg.BinDir)
	if err != nil {
		return nil, err
	}
	if cfg.Port != 0 { // fail before a slow initdb; startLocked checks again
		if err := checkPortFree(cfg.Port); err != nil {
			return nil, err
		}
	}
	acct, err := serverAccount(cfg.RunAsUser)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating cluster directory: %w", err)
	}
	dir, err := filepath.EvalSymlinks(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolving cluster directory: %w", err)
	}
	c := &Cluster{
		cfg:    cfg,
		layout: newLayout(dir),
		bins:   bins,
		acct:   acct,
		logger: cfg.Logger.With("component", "pgcluster"),
		port:   cfg.Port,
	}
	if err := c.acct.ensureTraversable(dir, c.logger); err != nil {
		return nil, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.lockDir(); err != nil {
		return nil, err
	}
	if c.password, err = c.prepareDataDir(ctx); err != nil {
		c.unlockDir()
		return nil, err
	}
	if err := c.startLocked(ctx); err != nil {
		c.unlockDir()
		return nil, err
	}
	if err := c.ensureDatabase(ctx, DefaultDatabase); err != nil {
		c.stopLocked(context.WithoutCancel(ctx))
		c.unlockDir()
		return nil, err
	}
	return c, nil
}

// Start starts a cluster that Stop stopped, on the same port so that its URLs stay valid.
// It is a no-op while the server runs. Tests use Stop and Start to restart PostgreSQL under a
// running client.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil && !c.srv.hasExited() {
		return nil
	}
	if err := c.lockDir(); err != nil {
		return err
	}
	if err := c.startLocked(ctx); err != nil {
		c.unlockDir()
		return err
	}
	return nil
}

// Stop shuts the server down (PostgreSQL's fast shutdown: open transactions roll back, clients
// are disconnected, a checkpoint is written) and waits for it to exit. If it has not exited
// within Config.StopTimeout or when ctx ends, Stop escalates to an immediate shutdown and then
// to SIGKILL, and returns an error. Stopping a stopped cluster does nothing.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.stopLocked(ctx)
	c.unlockDir()
	return err
}

// PID is the server's process id, or 0 while it is stopped.
func (c *Cluster) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv == nil || c.srv.hasExited() {
		return 0
	}
	return c.srv.pid
}

// Port is the TCP port the server listens on, on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// Dir is the cluster's directory (Config.Dir with symlinks resolved).
func (c *Cluster) Dir() string { return c.layout.dir }

// LogFile is the path of the server's log file.
func (c *Cluster) LogFile() string { return c.layout.logFile }

// URL returns a connection URL for database db as the superuser, over TCP on 127.0.0.1, for
// example postgres://rahat:…@127.0.0.1:54321/rahat?sslmode=disable. The URL holds the password:
// do not log it.
func (c *Cluster) URL(db string) string { return connURL(c.password, c.port, db) }

func connURL(password string, port int, db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(Superuser, password),
		Host:     "127.0.0.1:" + strconv.Itoa(port),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// AdminURL returns the superuser's URL for the maintenance database "postgres", for creating and
// dropping databases.
func (c *Cluster) AdminURL() string { return c.URL("postgres") }

// ensureDatabase creates database db unless it exists. It also checks that the server it
// reached is this cluster, guarding against a foreign server that took the port.
func (c *Cluster) ensureDatabase(ctx context.Context, db string) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.StartTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.AdminURL())
	if err != nil {
		return fmt.Errorf("connecting to the new cluster on port %d: %w", c.port, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var dataDir string
	if err := conn.QueryRow(ctx, "select current_setting('data_directory')").Scan(&dataDir); err != nil {
		return fmt.Errorf("checking the cluster on port %d: %w", c.port, err)
	}
	if dataDir != c.layout.dataDir {
		return fmt.Errorf("the server on port %d serves %s, not %s", c.port, dataDir, c.layout.dataDir)
	}

	var exists bool
	const q = "select exists (select 1 from pg_database where datname = $1)"
	if err := conn.QueryRow(ctx, q, db).Scan(&exists); err != nil {
		return fmt.Errorf("looking for database %s: %w", db, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "create database "+pgx.Identifier{db}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating database %s: %w", db, err)
	}
	c.logger.Info("created database", "db", db)
	return nil
}
