package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/pgcluster"
	"github.com/rahataid/rahat/store"
)

// EnvURL names the environment variable that points the tests at an existing server.
const EnvURL = "TEST_DATABASE_URL"

// opTimeout bounds each harness operation (creating or dropping a database, migrating).
const opTimeout = 2 * time.Minute

// Main runs the package's tests and then stops the shared cluster, exiting with the tests'
// status. Call it from TestMain.
func Main(m *testing.M) {
	shared.mainCalled.Store(true)
	code := m.Run()
	if err := shared.close(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// New returns a pool on a fresh database holding the full schema (every migration applied).
// The pool is closed and the database dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	pool, err := store.Open(ctx, url, store.PoolConfig{MaxConns: 8, ApplicationName: testAppName(t)})
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close) // runs before the database is dropped: cleanups run last-in first-out
	return pool
}

// NewURL returns the URL of a fresh database holding the full schema, for code that opens its
// own connections (a subprocess, a component under test). The database is dropped, and any
// connection to it terminated, when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	h := shared.get(t)
	return h.newDatabase(t, h.template)
}

// NewEmptyURL returns the URL of a fresh database with no migrations applied, for testing the
// migrations themselves. It is dropped when the test ends.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return shared.get(t).newDatabase(t, "template0")
}

// Cluster returns the process's shared cluster, for reading its settings or URLs. Tests must
// not stop it (others use it): use NewCluster for that. With TEST_DATABASE_URL set there is no
// shared cluster, and the test fails.
func Cluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	h := shared.get(t)
	if h.cluster == nil {
		t.Fatalf("pgtest: %s is set, so there is no private cluster; use NewCluster for a cluster of the test's own", EnvURL)
	}
	return h.cluster
}

// NewCluster starts a private cluster for this test alone, with the database "rahat" already
// migrated (its URL is c.URL(pgcluster.DefaultDatabase)). The test may Stop and Start it, for
// example to restart PostgreSQL under a running indexer; it is stopped when the test ends.
// It needs the server binaries even when TEST_DATABASE_URL is set. Each one costs an initdb
// (about a second), so prefer New where a restart is not the point.
func NewCluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.Config{
		Dir:       filepath.Join(t.TempDir(), "pg"),
		Ephemeral: true,
		Logger:    logger(),
	})
	if err != nil {
		t.Fatalf("pgtest: starting a private cluster: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("pgtest: stopping the private cluster: %v", err)
		}
	})
	if err := migrateURL(ctx, c.URL(pgcluster.DefaultDatabase)); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return c
}

// migrateURL applies every migration to the database at url.
func migrateURL(ctx context.Context, url string) error {
	pool, err := store.Open(ctx, url, store.PoolConfig{MaxConns: 2, ApplicationName: "rahat-pgtest"})
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := store.Migrate(ctx, pool, logger()); err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	return nil
}

// testAppName labels a test's connections in pg_stat_activity.
func testAppName(t testing.TB) string {
	name := "rahat-test " + t.Name()
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}
