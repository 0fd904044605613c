package store

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationLockKey is the pg_advisory_lock key held while migrating: the ASCII bytes of
// "rahatmig". Other advisory locks in rahat must use other keys (see doc.go).
const MigrationLockKey int64 = 0x72616861_746d6967

// ErrUnknownMigration reports that the database has migrations this binary does not have,
// which means a newer rahat migrated it. Migrate refuses to touch such a database.
var ErrUnknownMigration = errors.New("the database has migrations this binary does not know: it was migrated by a newer rahat; upgrade this one")

// Migration is one numbered schema change, embedded from store/migrations/NNNN_name.sql.
type Migration struct {
	Version int    // NNNN
	Name    string // the name part of the file name
	SQL     string
}

// String is the migration's file name without the extension, for example "0001_init".
func (m Migration) String() string { return fmt.Sprintf("%04d_%s", m.Version, m.Name) }

// MigrationStatus is one row of `rahat migrate --status`.
type MigrationStatus struct {
	Version   int
	Name      string
	AppliedAt time.Time // zero while pending
	// Unknown marks a migration applied in the database that this binary does not have.
	Unknown bool
}

// Applied reports whether the migration has been applied.
func (s MigrationStatus) Applied() bool { return !s.AppliedAt.IsZero() }

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	return loadMigrations(migrationFiles, "migrations")
}

var migrationNameRE = regexp.MustCompile(`^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$`)

// loadMigrations reads NNNN_name.sql files from dir, refusing malformed names, duplicate
// versions and empty files, so that a mistake fails every test rather than a deploy.
func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationNameRE.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("migration file %s: the name must be NNNN_name.sql (lower case, digits, underscores)", e.Name())
		}
		version, _ := strconv.Atoi(m[1])
		if version == 0 {
			return nil, fmt.Errorf("migration file %s: versions start at 0001", e.Name())
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("migration files %s and %s have the same version %04d", other, e.Name(), version)
		}
		seen[version] = e.Name()
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", e.Name(), err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return nil, fmt.Errorf("migration file %s is empty", e.Name())
		}
		ms = append(ms, Migration{Version: version, Name: m[2], SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return ms, nil
}

const (
	createMigrationsTable = `
create table if not exists schema_migrations (
	version    integer primary key,
	name       text not null,
	applied_at timestamptz not null default now()
)`
	selectApplied   = `select version, name, applied_at from schema_migrations order by version`
	insertApplied   = `insert into schema_migrations (version, name) values ($1, $2)`
	migrationsExist = `select to_regclass('schema_migrations') is not null`
)

// Migrate applies the embedded migrations the database lacks, in version order, and returns
// those it applied. See doc.go for the guarantees.
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) ([]Migration, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate(ctx, pool, logger, all)
}

func migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, all []Migration) ([]Migration, error) {
	logger = cmp.Or(logger, slog.New(slog.DiscardHandler))
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrating: acquiring a connection: %w", err)
	}
	defer pc.Release()
	conn := pc.Conn()
	if err := lockMigrations(ctx, conn, logger); err != nil {
		return nil, err
	}
	defer unlockMigrations(ctx, conn)

	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("migrating: creating schema_migrations: %w", err)
	}
	done, err := appliedMigrations(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := checkKnown(all, done); err != nil {
		return nil, err
	}
	var applied []Migration
	for _, m := range all {
		if _, ok := done[m.Version]; ok {
			continue
		}
		start := time.Now()
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, insertApplied, m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("applying migration %s: %w", m, err)
		}
		logger.Info("applied migration", "version", m.Version, "name", m.Name, "took", time.Since(start))
		applied = append(applied, m)
	}
	return applied, nil
}

// lockMigrations takes the session-level advisory lock, saying so if it has to wait.
func lockMigrations(ctx context.Context, conn *pgx.Conn, logger *slog.Logger) error {
	var got bool
	if err := conn.QueryRow(ctx, "select pg_try_advisory_lock($1)", MigrationLockKey).Scan(&got); err != nil {
		return fmt.Errorf("migrating: taking the migration lock: %w", err)
	}
	if got {
		return nil
	}
	logger.Info("another process is migrating this database; waiting for it")
	if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", MigrationLockKey); err != nil {
		// A cancelled wait may still have been granted: drop the connection, and the lock with it,
		// rather than return it to the pool.
		conn.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("migrating: waiting for the migration lock: %w", err)
	}
	return nil
}

// unlockMigrations releases the lock; if it cannot, it closes the connection, which releases
// every session lock it holds, so it cannot fail.
func unlockMigrations(ctx context.Context, conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "select pg_advisory_unlock($1)", MigrationLockKey); err != nil {
		// Ending the session releases its locks; the pool discards the closed connection.
		conn.Close(ctx)
	}
}

// appliedMigrations reads schema_migrations by version.
func appliedMigrations(ctx context.Context, conn interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (map[int]MigrationStatus, error) {
	rows, err := conn.Query(ctx, selectApplied)
	if err != nil {
		return nil, fmt.Errorf("reading schema_migrations: %w", err)
	}
	done := map[int]MigrationStatus{}
	for rows.Next() {
		var s MigrationStatus
		if err := rows.Scan(&s.Version, &s.Name, &s.AppliedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading schema_migrations: %w", err)
		}
		done[s.Version] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading schema_migrations: %w", err)
	}
	return done, nil
}

// checkKnown refuses a database holding any applied migration this binary lacks.
func checkKnown(all []Migration, done map[int]MigrationStatus) error {
	var unknown []string
	for v, s := range done {
		if !slices.ContainsFunc(all, func(m Migration) bool { return m.Version == v }) {
			unknown = append(unknown, fmt.Sprintf("%04d_%s", s.Version, s.Name))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	latest := 0
	if len(all) > 0 {
		latest = all[len(all)-1].Version
	}
	return fmt.Errorf("database has migrations %s, this binary knows up to %04d: %w",
		strings.Join(unknown, ", "), latest, ErrUnknownMigration)
}

// Status lists every embedded migration with the time it was applied (zero if pending),
// followed by any applied migration this binary does not know (Unknown). It takes no lock and
// changes nothing; a database never migrated has every migration pending.
func Status(ctx context.Context, pool *pgxpool.Pool) ([]MigrationStatus, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	return status(ctx, pool, all)
}

func status(ctx context.Context, pool *pgxpool.Pool, all []Migration) ([]MigrationStatus, error) {
	var exists bool
	err := pool.QueryRow(ctx, migrationsExist).Scan(&exists)
	if err != nil {
		return nil, fmt.Errorf("looking for schema_migrations: %w", err)
	}
	done := map[int]MigrationStatus{}
	if exists {
		if done, err = appliedMigrations(ctx, pool); err != nil {
			return nil, err
		}
	}
	out := make([]MigrationStatus, 0, len(all))
	for _, m := range all {
		s := MigrationStatus{Version: m.Version, Name: m.Name}
		if d, ok := done[m.Version]; ok {
			s.AppliedAt = d.AppliedAt
			delete(done, m.Version)
		}
		out = append(out, s)
	}
	for _, d := range done {
		d.Unknown = true
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b MigrationStatus) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// Pending returns the embedded migrations the database has not applied, in the order Migrate
// would apply them.
func Pending(ctx context.Context, pool *pgxpool.Pool) ([]Migration, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	st, err := status(ctx, pool, all)
	if err != nil {
		return nil, err
	}
	var pending []Migration
	for _, m := range all {
		i := slices.IndexFunc(st, func(s MigrationStatus) bool { return s.Version == m.Version })
		if !st[i].Applied() {
			pending = append(pending, m)
		}
	}
	return pending, nil
}
