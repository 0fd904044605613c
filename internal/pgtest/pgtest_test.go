package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/pgcluster"
	"github.com/rahataid/rahat/store"
)

func TestMain(m *testing.M) { Main(m) }

// TestParallelDatabasesAreIsolated runs many parallel tests, each writing to its own database:
// none sees another's rows, and every one has the full schema.
func TestParallelDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := New(t)
			var applied int
			if err := db.QueryRow(ctx, "select count(*) from schema_migrations").Scan(&applied); err != nil {
				t.Fatal(err)
			}
			if applied != len(all) {
				t.Fatalf("%d migrations applied, want %d", applied, len(all))
			}
			var gist bool
			if err := db.QueryRow(ctx, "select exists (select 1 from pg_extension where extname = 'btree_gist')").Scan(&gist); err != nil || !gist {
				t.Fatalf("btree_gist missing: %v", err)
			}
			if _, err := db.Exec(ctx, "create table mine (who int)"); err != nil {
				t.Fatalf("creating a table every test creates: %v", err)
			}
			if _, err := db.Exec(ctx, "insert into mine values ($1)", i); err != nil {
				t.Fatal(err)
			}
			var rows []int
			r, _ := db.Query(ctx, "select who from mine")
			rows, err := pgx.CollectRows(r, pgx.RowTo[int])
			if err != nil || len(rows) != 1 || rows[0] != i {
				t.Fatalf("mine = %v, %v; want only %d", rows, err, i)
			}
		})
	}
}

func TestNewURLIsDroppedAfterTheTest(t *testing.T) {
	t.Parallel()
	var url string
	var name string
	t.Run("uses", func(t *testing.T) {
		url = NewURL(t)
		conn, err := pgx.Connect(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		// Left open on purpose: the drop must terminate it.
		if err := conn.QueryRow(t.Context(), "select current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	if t.Failed() {
		return
	}
	var exists bool
	err := shared.admin.QueryRow(context.Background(),
		"select exists (select 1 from pg_database where datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		t.Fatalf("database %s still exists after its test (%v)", name, err)
	}
}

func TestNewEmptyURLHasNoSchema(t *testing.T) {
	t.Parallel()
	conn, err := pgx.Connect(t.Context(), NewEmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(t.Context(), "select to_regclass('schema_migrations') is not null").Scan(&exists); err != nil || exists {
		t.Fatalf("schema_migrations exists in an empty database (%v)", err)
	}
}

func TestTemplateRejectsConnections(t *testing.T) {
	t.Parallel()
	New(t) // make sure the harness is set up
	_, err := pgx.Connect(t.Context(), shared.dbURL(shared.template))
	if err == nil || !strings.Contains(err.Error(), "not currently accepting connections") {
		t.Fatalf("connecting to the template: %v, want a refusal", err)
	}
}

func TestNewClusterRestarts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := NewCluster(t)
	url := c.URL(pgcluster.DefaultDatabase)
	pool, err := store.Open(ctx, url, store.PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pending, err := store.Pending(ctx, pool)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending migrations in NewCluster's database: %v, %v", pending, err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err == nil {
		t.Fatal("ping succeeded with the server stopped")
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// The pool reconnects to the same URL.
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
}

func TestClusterIsShared(t *testing.T) {
	t.Parallel()
	if os.Getenv(EnvURL) != "" {
		return // there is no shared cluster to check: Cluster fails by design
	}
	var wg sync.WaitGroup
	got := make([]*pgcluster.Cluster, 4)
	for i := range got {
		wg.Go(func() { got[i] = Cluster(t) })
	}
	wg.Wait()
	for _, c := range got {
		if c != got[0] || c.PID() == 0 {
			t.Fatalf("Cluster returned %p (PID %d), want one running cluster %p", c, c.PID(), got[0])
		}
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://u:p@h:5/old?sslmode=disable", "postgres://u:p@h:5/new_db?sslmode=disable"},
		{"postgresql://h/old", "postgresql://h/new_db"},
		{"host=h dbname=old", "host=h dbname=old dbname='new_db'"},
	}
	for _, tt := range tests {
		if got := withDatabase(tt.in, "new_db"); got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
