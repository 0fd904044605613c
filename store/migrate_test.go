package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/store"
)

// emptyDB opens a pool on a fresh database with no migrations applied.
func emptyDB(t *testing.T) (url string, pool *pgxpool.Pool) {
	t.Helper()
	url = pgtest.NewEmptyURL(t)
	return url, openPool(t, url)
}

func openPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := store.Open(t.Context(), url, store.PoolConfig{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func testLogger(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

func TestEmbeddedMigrations(t *testing.T) {
	t.Parallel()
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].String() != "0001_init" {
		t.Fatalf("migrations = %v, want 0001_init first", ms)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Version <= ms[i-1].Version {
			t.Fatalf("migrations out of order: %v", ms)
		}
	}
}

func TestLoadMigrationsRejectsMistakes(t *testing.T) {
	t.Parallel()
	ok := &fstest.MapFile{Data: []byte("select 1;")}
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"bad name", fstest.MapFS{"m/1_x.sql": ok}, "NNNN_name.sql"},
		{"upper case", fstest.MapFS{"m/0002_Users.sql": ok}, "NNNN_name.sql"},
		{"not sql", fstest.MapFS{"m/0002_users.txt": ok}, "NNNN_name.sql"},
		{"zero", fstest.MapFS{"m/0000_x.sql": ok}, "start at 0001"},
		{"duplicate", fstest.MapFS{"m/0002_a.sql": ok, "m/0002_b.sql": ok}, "same version 0002"},
		{"empty", fstest.MapFS{"m/0002_a.sql": &fstest.MapFile{Data: []byte(" \n")}}, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := store.LoadMigrations(tt.files, "m")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadMigrations = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	ms, err := store.LoadMigrations(fstest.MapFS{"m/0010_b.sql": ok, "m/0002_a.sql": ok}, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 2 || ms[1].Name != "b" {
		t.Fatalf("LoadMigrations = %v, %v", ms, err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, pool := emptyDB(t)
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}

	pending, err := store.Pending(ctx, pool)
	if err != nil || len(pending) != len(all) {
		t.Fatalf("Pending before = %d, %v; want %d", len(pending), err, len(all))
	}
	st, err := store.Status(ctx, pool)
	if err != nil || len(st) != len(all) || st[0].Applied() {
		t.Fatalf("Status before = %+v, %v", st, err)
	}

	applied, err := store.Migrate(ctx, pool, testLogger(t))
	if err != nil || len(applied) != len(all) {
		t.Fatalf("first Migrate applied %d, %v; want %d", len(applied), err, len(all))
	}
	applied, err = store.Migrate(ctx, pool, testLogger(t))
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, %v; want nothing", applied, err)
	}

	pending, err = store.Pending(ctx, pool)
	if err != nil || len(pending) != 0 {
		t.Fatalf("Pending after = %v, %v", pending, err)
	}
	st, err = store.Status(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied() || s.Unknown {
			t.Fatalf("Status after: %+v", s)
		}
	}
	var gist bool
	if err := pool.QueryRow(ctx, "select exists (select 1 from pg_extension where extname = 'btree_gist')").Scan(&gist); err != nil || !gist {
		t.Fatalf("btree_gist not installed: %v", err)
	}
}

// counterMigrations counts, in the database, how often its second migration ran.
var counterMigrations = []store.Migration{
	{Version: 1, Name: "counter", SQL: "create table counter (n int not null); insert into counter values (0);"},
	{Version: 2, Name: "bump", SQL: "update counter set n = n + 1; create table bumped (x int);"},
	{Version: 3, Name: "more", SQL: "create table more (x int)"},
}

// TestConcurrentMigrate races several migrators, each with its own pool, on one empty
// database, with the real migrations and with a set that counts its own applications.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []struct {
		name string
		ms   []store.Migration
	}{{"embedded", all}, {"counter", counterMigrations}} {
		t.Run(set.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			url, check := emptyDB(t)
			const racers = 6
			pools := make([]*pgxpool.Pool, racers)
			for i := range pools {
				pools[i] = openPool(t, url)
			}
			var wg sync.WaitGroup
			applied := make([][]store.Migration, racers)
			errs := make([]error, racers)
			start := make(chan struct{})
			for i := range racers {
				wg.Go(func() {
					<-start
					applied[i], errs[i] = store.MigrateWith(ctx, pools[i], testLogger(t), set.ms)
				})
			}
			close(start)
			wg.Wait()

			total := 0
			for i := range racers {
				if errs[i] != nil {
					t.Errorf("migrator %d: %v", i, errs[i])
				}
				total += len(applied[i])
			}
			if total != len(set.ms) {
				t.Errorf("migrators applied %d migrations in all, want %d", total, len(set.ms))
			}
			var rows, distinct int
			if err := check.QueryRow(ctx, "select count(*), count(distinct version) from schema_migrations").Scan(&rows, &distinct); err != nil {
				t.Fatal(err)
			}
			if rows != len(set.ms) || distinct != len(set.ms) {
				t.Errorf("schema_migrations has %d rows (%d versions), want %d", rows, distinct, len(set.ms))
			}
			if set.name == "counter" {
				var n int
				if err := check.QueryRow(ctx, "select n from counter").Scan(&n); err != nil || n != 1 {
					t.Errorf("counter = %d, %v; want 1", n, err)
				}
			}
		})
	}
}

func TestMigrateRefusesUnknownVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.New(t) // fully migrated
	if _, err := pool.Exec(ctx, "insert into schema_migrations (version, name) values (9999, 'from_the_future')"); err != nil {
		t.Fatal(err)
	}
	applied, err := store.Migrate(ctx, pool, testLogger(t))
	if !errors.Is(err, store.ErrUnknownMigration) || !strings.Contains(err.Error(), "9999_from_the_future") || len(applied) != 0 {
		t.Fatalf("Migrate = %v, %v; want ErrUnknownMigration naming 9999_from_the_future", applied, err)
	}
	st, err := store.Status(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	last := st[len(st)-1]
	if last.Version != 9999 || !last.Unknown || !last.Applied() {
		t.Fatalf("Status ends with %+v, want the unknown 9999", last)
	}

	// Even a pending migration is not applied to such a database.
	_, pool2 := emptyDB(t)
	if _, err := store.MigrateWith(ctx, pool2, nil, counterMigrations[:1]); err != nil {
		t.Fatal(err)
	}
	_, err = store.MigrateWith(ctx, pool2, nil, []store.Migration{counterMigrations[1]})
	if !errors.Is(err, store.ErrUnknownMigration) {
		t.Fatalf("Migrate with an applied version missing from the binary = %v", err)
	}
	var n int
	if err := pool2.QueryRow(ctx, "select n from counter").Scan(&n); err != nil || n != 0 {
		t.Fatalf("counter = %d, %v; the refused migration ran", n, err)
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, pool := emptyDB(t)
	bad := []store.Migration{
		counterMigrations[0],
		{Version: 2, Name: "broken", SQL: "create table half (x int); select no_such_function();"},
		counterMigrations[2],
	}
	applied, err := store.MigrateWith(ctx, pool, nil, bad)
	if err == nil || !strings.Contains(err.Error(), "0002_broken") || len(applied) != 1 {
		t.Fatalf("MigrateWith = %v, %v; want 0001 applied and an error naming 0002_broken", applied, err)
	}
	var half bool
	if err := pool.QueryRow(ctx, "select to_regclass('half') is not null").Scan(&half); err != nil || half {
		t.Fatalf("the failed migration's table exists (%v)", err)
	}
	st, err := store.StatusWith(ctx, pool, bad)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(st[0].Applied(), st[1].Applied(), st[2].Applied())
	if got != "true false false" {
		t.Fatalf("applied = %s, want true false false", got)
	}

	// Fixed, it applies, and the migrations above it follow; the lock was released.
	bad[1].SQL = "create table half (x int)"
	applied, err = store.MigrateWith(ctx, pool, nil, bad)
	if err != nil || len(applied) != 2 {
		t.Fatalf("after the fix: %v, %v", applied, err)
	}
}

// TestMigrateAppliesLowerPendingVersions covers areas adding migrations independently: a
// 0011 that arrives after 0020 was applied is still applied.
func TestMigrateAppliesLowerPendingVersions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, pool := emptyDB(t)
	m20 := store.Migration{Version: 20, Name: "graphql", SQL: "create table g (x int)"}
	m11 := store.Migration{Version: 11, Name: "indexer", SQL: "create table i (x int)"}
	if _, err := store.MigrateWith(ctx, pool, nil, []store.Migration{m20}); err != nil {
		t.Fatal(err)
	}
	applied, err := store.MigrateWith(ctx, pool, nil, []store.Migration{m11, m20})
	if err != nil || len(applied) != 1 || applied[0].Version != 11 {
		t.Fatalf("MigrateWith = %v, %v; want 0011 applied", applied, err)
	}
}

func TestMigrateWaitsForTheLock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url, holder := emptyDB(t)
	conn, err := holder.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", store.MigrationLockKey); err != nil {
		t.Fatal(err)
	}

	// While the lock is held, Migrate waits; when its context ends it gives up cleanly.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := store.Migrate(short, openPool(t, url), nil); err == nil || !strings.Contains(err.Error(), "waiting for the migration lock") {
		t.Fatalf("Migrate under a held lock = %v, want a lock-wait error", err)
	}

	done := make(chan error, 1)
	waiter := openPool(t, url)
	go func() {
		_, err := store.Migrate(ctx, waiter, nil)
		done <- err
	}()
	if _, err := conn.Exec(ctx, "select pg_advisory_unlock($1)", store.MigrationLockKey); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Migrate after the lock was released: %v", err)
	}
}
