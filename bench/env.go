package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/pgcluster"
	"github.com/rahataid/rahat/store"
)

// Env is what the suites share: a private Postgres cluster for the run, the logger and the size scale.
type Env struct {
	Log     *slog.Logger
	Scale   float64
	Cluster *pgcluster.Cluster
	dir     string
	dbs     int
}

func newEnv(ctx context.Context, log *slog.Logger, scale float64) (*Env, error) {
	dir, err := os.MkdirTemp("", "rahat-bench-")
	if err != nil {
		return nil, err
	}
	c, err := pgcluster.Start(ctx, pgcluster.Config{Dir: filepath.Join(dir, "pg"), Logger: log, Ephemeral: true,
		Settings: map[string]string{"shared_buffers": "1GB", "max_connections": "300"}})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting Postgres for the benchmarks: %w", err)
	}
	return &Env{Log: log, Scale: scale, Cluster: c, dir: dir}, nil
}

// NewDatabase creates a fresh, migrated database and returns a pool on it and its URL.
func (e *Env) NewDatabase(ctx context.Context, maxConns int32) (*pgxpool.Pool, string, error) {
	e.dbs++
	name := fmt.Sprintf("bench_%d", e.dbs)
	admin, err := store.Open(ctx, e.Cluster.AdminURL(), store.PoolConfig{MaxConns: 2})
	if err != nil {
		return nil, "", err
	}
	defer admin.Close()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, "", fmt.Errorf("creating %s: %w", name, err)
	}
	url := e.Cluster.URL(name)
	pool, err := store.Open(ctx, url, store.PoolConfig{MaxConns: maxConns})
	if err != nil {
		return nil, "", err
	}
	if _, err := store.Migrate(ctx, pool, e.Log); err != nil {
		pool.Close()
		return nil, "", err
	}
	return pool, url, nil
}

// N scales a workload size.
func (e *Env) N(n int) int { return max(1, int(float64(n)*e.Scale)) }

// Close stops the cluster and removes its files.
func (e *Env) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = e.Cluster.Stop(ctx)
	os.RemoveAll(e.dir)
}

// suites lists every benchmark suite in the order they run.
func suites() []Suite {
	return []Suite{
		indexerSuite(),
		graphqlSuite(),
		smsSuite(),
		apiSuite(),
		keyringSuite(),
		subsSuite(),
	}
}
