package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/pgcluster"
	"github.com/rahataid/rahat/store"
)

// database is the open connection to Postgres: the writer pool, the read pool (a replica when configured,
// else the same pool) and, in `rahat dev`, the private cluster behind them.
type database struct {
	Pool *pgxpool.Pool
	Read *pgxpool.Pool
	// Keyset reads GraphQL's pages after a cursor from the read database, with generic plans
	// (opened by openKeyset, for serve).
	Keyset  *pgxpool.Pool
	URL     string
	poolCfg store.PoolConfig
	cluster *pgcluster.Cluster
	log     *slog.Logger
}

// openDatabase connects to database.url, or with private set and no URL starts a private cluster under the
// state directory. It applies pending migrations unless database.migrate is false.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger, private bool) (*database, error) {
	db := &database{URL: cfg.Database.URL, log: log}
	if db.URL == "" {
		if !private {
			return nil, errors.New("database.url is not set: set RAHAT_DATABASE_URL (or DATABASE_URL), --database-url, or use `rahat dev`")
		}
		dir, err := filepath.Abs(filepath.Join(cfg.StateDir, "pg"))
		if err != nil {
			return nil, err
		}
		c, err := pgcluster.Start(ctx, pgcluster.Config{Dir: dir, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("starting the private Postgres: %w", err)
		}
		db.cluster, db.URL = c, c.URL(pgcluster.DefaultDatabase)
		log.Info("private Postgres started", "dir", dir, "port", c.Port())
	}
	db.poolCfg = store.PoolConfig{MaxConns: int32(cfg.Database.MaxConns)}
	poolCfg := db.poolCfg
	pool, err := store.Open(ctx, db.URL, poolCfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Pool, db.Read = pool, pool
	if cfg.Database.Migrate {
		if _, err := store.Migrate(ctx, pool, log); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrating: %w", err)
		}
	}
	if cfg.Database.ReadURL != "" {
		if db.Read, err = store.Open(ctx, cfg.Database.ReadURL, poolCfg); err != nil {
			db.Close()
			return nil, fmt.Errorf("read replica: %w", err)
		}
	}
	return db, nil
}

// openKeyset opens the Keyset pool on the read database (the primary without a replica): a
// quarter of database.max_conns, at least 2, closed when idle. Without a URL (a database made by
// a test from a pool), pages read through the read pool.
func (d *database) openKeyset(ctx context.Context, cfg config.Config) error {
	url := cmp.Or(cfg.Database.ReadURL, d.URL)
	if url == "" || d.Keyset != nil {
		return nil
	}
	pc := store.PoolConfig{MaxConns: max(2, d.poolCfg.MaxConns/4), GenericPlans: true, ApplicationName: "rahat-graphql-keyset"}
	pool, err := store.Open(ctx, url, pc)
	if err != nil {
		return fmt.Errorf("keyset pages' pool: %w", err)
	}
	d.Keyset = pool
	return nil
}

// Close closes the pools and stops the private cluster, if any.
func (d *database) Close() {
	if d.Keyset != nil {
		d.Keyset.Close()
	}
	if d.Read != nil && d.Read != d.Pool {
		d.Read.Close()
	}
	if d.Pool != nil {
		d.Pool.Close()
	}
	if d.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.cluster.Stop(ctx); err != nil {
			d.log.Error("stopping the private Postgres", "err", err)
		}
	}
}

// openDevDatabase opens the database for `rahat dev`. The embedded chain starts afresh at every run, so
// an index of an earlier run's chain cannot continue: the private cluster's database is recreated, and a
// database given by URL must not hold another chain's index.
func openDevDatabase(ctx context.Context, cfg config.Config, log *slog.Logger, embedded bool) (*database, error) {
	if embedded && cfg.Database.URL == "" {
		cfg.Database.Migrate = false
		db, err := openDatabase(ctx, cfg, log, true)
		if err != nil {
			return nil, err
		}
		if err := db.recreate(ctx); err != nil {
			db.Close()
			return nil, err
		}
		if _, err := store.Migrate(ctx, db.Pool, log); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrating: %w", err)
		}
		return db, nil
	}
	db, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return nil, err
	}
	if embedded {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM indexer_chains`).Scan(&n); err != nil {
			db.Close()
			return nil, fmt.Errorf("checking the database: %w", err)
		}
		if n > 0 {
			db.Close()
			return nil, errors.New("database.url already holds an index of another chain; the embedded chain starts afresh at every run: use an empty database")
		}
	}
	return db, nil
}

// recreate drops and recreates the private cluster's database, and reopens the pool on it.
func (d *database) recreate(ctx context.Context) error {
	d.Pool.Close()
	admin, err := store.Open(ctx, d.cluster.AdminURL(), store.PoolConfig{MaxConns: 2})
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, q := range []string{
		`DROP DATABASE IF EXISTS ` + pgcluster.DefaultDatabase + ` WITH (FORCE)`,
		`CREATE DATABASE ` + pgcluster.DefaultDatabase,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			return fmt.Errorf("recreating the dev database: %w", err)
		}
	}
	d.log.Info("dev database recreated for the new embedded chain")
	pool, err := store.Open(ctx, d.URL, d.poolCfg)
	if err != nil {
		return err
	}
	d.Pool, d.Read = pool, pool
	return nil
}
