package store

import (
	"context"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Hooks for the external tests, which run migration sets of their own.

func MigrateWith(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, ms []Migration) ([]Migration, error) {
	return migrate(ctx, pool, logger, ms)
}

func StatusWith(ctx context.Context, pool *pgxpool.Pool, ms []Migration) ([]MigrationStatus, error) {
	return status(ctx, pool, ms)
}

func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) { return loadMigrations(fsys, dir) }
