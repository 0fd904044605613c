package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/pgcluster"
	"github.com/rahataid/rahat/store"
)

// shared is the per-process harness; see "Package state" in doc.go.
var shared harness

// harness holds the process's server, admin pool and template.
type harness struct {
	mainCalled atomic.Bool
	once       sync.Once
	err        error // from setup, reported by every test that needs the server

	cluster  *pgcluster.Cluster // nil with TEST_DATABASE_URL
	dir      string             // the cluster's temporary directory
	adminURL string
	admin    *pgxpool.Pool // on the maintenance database, for CREATE and DROP DATABASE
	template string
	prefix   string // per-process part of database names
	seq      atomic.Int64
}

// templateLockKey serialises template builds across processes sharing a TEST_DATABASE_URL
// server: the ASCII bytes of "rahattpl" (see store's list of advisory lock keys).
const templateLockKey int64 = 0x72616861_7474706c

// tempPrefix names the private clusters' temporary directories: rahat-pgtest-<pid>-<random>.
const tempPrefix = "rahat-pgtest-"

// logger reports the clusters' warnings and errors on stderr, where go test shows them.
func logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// get returns the set-up harness, failing the test if it cannot be set up.
func (h *harness) get(t testing.TB) *harness {
	t.Helper()
	if !h.mainCalled.Load() {
		t.Fatal("pgtest: this package has no TestMain calling pgtest.Main, so its test cluster would never be " +
			"stopped; add: func TestMain(m *testing.M) { pgtest.Main(m) }")
	}
	h.once.Do(func() { h.err = h.setup() })
	if h.err != nil {
		t.Fatalf("pgtest: %v", h.err)
	}
	return h
}

func (h *harness) setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var b [4]byte
	_, _ = rand.Read(b[:])
	h.prefix = hex.EncodeToString(b[:])

	all, err := store.Migrations()
	if err != nil {
		return err
	}
	if h.adminURL = os.Getenv(EnvURL); h.adminURL != "" {
		h.template = "rahat_template_" + migrationsHash(all)
	} else {
		removeAbandonedDirs()
		if h.dir, err = os.MkdirTemp("", tempPrefix+strconv.Itoa(os.Getpid())+"-"); err != nil {
			return fmt.Errorf("creating a directory for the test cluster: %w", err)
		}
		h.cluster, err = pgcluster.Start(ctx, pgcluster.Config{
			Dir:       filepath.Join(h.dir, "pg"),
			Ephemeral: true,
			Logger:    logger(),
			// Parallel tests each hold a pool; the default 100 is tight for a busy package.
			Settings: map[string]string{"max_connections": "300"},
		})
		if err != nil {
			os.RemoveAll(h.dir)
			return fmt.Errorf("starting the test cluster (or set %s to use an existing server): %w", EnvURL, err)
		}
		h.adminURL = h.cluster.AdminURL()
		h.template = "rahat_template"
	}
	if h.admin, err = store.Open(ctx, h.adminURL, store.PoolConfig{MaxConns: 4, ApplicationName: "rahat-pgtest"}); err != nil {
		return err
	}
	return h.ensureTemplate(ctx)
}

// ensureTemplate builds the migrated template database unless it exists. Under the lock, a
// template that exists is complete: it is built under another name and renamed when done.
func (h *harness) ensureTemplate(ctx context.Context) error {
	conn, err := h.admin.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("building the template: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", templateLockKey); err != nil {
		conn.Conn().Close(ctx)
		return fmt.Errorf("building the template: locking: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "select pg_advisory_unlock($1)", templateLockKey)

	var exists bool
	if err := conn.QueryRow(ctx, "select exists (select 1 from pg_database where datname = $1)", h.template).Scan(&exists); err != nil {
		return fmt.Errorf("looking for the template: %w", err)
	}
	if exists {
		return nil
	}
	build := h.template + "_build_" + h.prefix
	if _, err := conn.Exec(ctx, "create database "+ident(build)+" template template0"); err != nil {
		return fmt.Errorf("creating the template: %w", err)
	}
	if err := migrateURL(ctx, h.dbURL(build)); err != nil {
		h.drop(ctx, build)
		return fmt.Errorf("building the template: %w", err)
	}
	for _, q := range []string{
		"alter database " + ident(build) + " rename to " + ident(h.template),
		"alter database " + ident(h.template) + " with is_template true allow_connections false",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			h.drop(ctx, build)
			return fmt.Errorf("building the template: %w", err)
		}
	}
	return nil
}

// newDatabase creates a database copied from template, dropped when the test ends.
func (h *harness) newDatabase(t testing.TB, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	name, err := h.create(ctx, template)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := h.drop(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return h.dbURL(name)
}

// create makes a database with a fresh name from template.
func (h *harness) create(ctx context.Context, template string) (string, error) {
	name := fmt.Sprintf("rahat_test_%s_%d", h.prefix, h.seq.Add(1))
	q := "create database " + ident(name) + " template " + ident(template)
	if _, err := h.admin.Exec(ctx, q); err != nil {
		return "", fmt.Errorf("creating database %s: %w", name, err)
	}
	return name, nil
}

// drop removes a database, terminating connections to it.
func (h *harness) drop(ctx context.Context, name string) error {
	if _, err := h.admin.Exec(ctx, "drop database if exists "+ident(name)+" with (force)"); err != nil {
		return fmt.Errorf("dropping database %s: %w", name, err)
	}
	return nil
}

// dbURL is the admin URL with the database replaced.
func (h *harness) dbURL(db string) string {
	if h.cluster != nil {
		return h.cluster.URL(db)
	}
	return withDatabase(h.adminURL, db)
}

// withDatabase replaces the database in a postgres:// URL or a keyword=value string.
func withDatabase(conn, db string) string {
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		u.RawPath = ""
		return u.String()
	}
	// In keyword=value strings the last setting wins.
	return conn + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(db) + "'"
}

// close drops what this process left on a shared server, or stops the private cluster and
// removes its directory.
func (h *harness) close() error {
	if h.admin == nil && h.cluster == nil {
		return nil // never set up
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var errs []error
	if h.admin != nil {
		if h.cluster == nil {
			errs = append(errs, h.dropLeftovers(ctx))
		}
		h.admin.Close()
	}
	if h.cluster != nil {
		errs = append(errs, h.cluster.Stop(ctx))
		errs = append(errs, os.RemoveAll(h.dir))
	}
	return errors.Join(errs...)
}

// dropLeftovers drops this process's databases that a test failed to drop.
func (h *harness) dropLeftovers(ctx context.Context) error {
	rows, err := h.admin.Query(ctx, "select datname from pg_database where starts_with(datname, $1)",
		"rahat_test_"+h.prefix+"_")
	if err != nil {
		return fmt.Errorf("listing leftover databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("listing leftover databases: %w", err)
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, h.drop(ctx, n))
	}
	return errors.Join(errs...)
}

// removeAbandonedDirs removes the temporary directories of test processes that were killed
// before Main could clean up: their process is gone and so is their server (which, on Linux,
// shut down when its parent died).
func removeAbandonedDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*-*"))
	for _, d := range dirs {
		pidPart, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), tempPrefix), "-")
		pid, err := strconv.Atoi(pidPart)
		if err != nil || processAlive(pid) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "pg", "data", "postmaster.pid")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			if spid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && processAlive(spid) {
				continue // its server is still shutting down (or was orphaned outside Linux)
			}
		}
		os.RemoveAll(d)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// migrationsHash identifies a migration set, so that a template is shared only by test
// processes built with the same migrations.
func migrationsHash(ms []store.Migration) string {
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00", m.Version, m.Name, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
