package main

import (
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
	Pool    *pgxpool.Pool
	Read    *pgxpool.Pool
	URL     string
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
	poolCfg := store.PoolConfig{MaxConns: int32(cfg.Database.MaxConns)}
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

// Close closes the pools and stops the private cluster, if any.
func (d *database) Close() {
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
