package store_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/store"
)

func TestOpenDefaults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool, err := store.Open(ctx, pgtest.NewURL(t), store.PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var app string
	if err := pool.QueryRow(ctx, "select current_setting('application_name')").Scan(&app); err != nil {
		t.Fatal(err)
	}
	cfg := pool.Config()
	if app != "rahat" || cfg.MaxConns != 10 || cfg.ConnConfig.ConnectTimeout != 10*time.Second {
		t.Fatalf("application_name=%q MaxConns=%d ConnectTimeout=%v", app, cfg.MaxConns, cfg.ConnConfig.ConnectTimeout)
	}
}

func TestOpenPrecedence(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := withParams(pgtest.NewURL(t), "pool_max_conns=3", "application_name=from-url", "connect_timeout=7")

	pool, err := store.Open(ctx, url, store.PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := pool.Config()
	if cfg.MaxConns != 3 || cfg.ConnConfig.RuntimeParams["application_name"] != "from-url" ||
		cfg.ConnConfig.ConnectTimeout != 7*time.Second {
		t.Errorf("URL settings not kept: MaxConns=%d app=%q timeout=%v", cfg.MaxConns,
			cfg.ConnConfig.RuntimeParams["application_name"], cfg.ConnConfig.ConnectTimeout)
	}
	pool.Close()

	pool, err = store.Open(ctx, url, store.PoolConfig{MaxConns: 5, ApplicationName: "indexer", ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg = pool.Config()
	if cfg.MaxConns != 5 || cfg.ConnConfig.RuntimeParams["application_name"] != "indexer" ||
		cfg.ConnConfig.ConnectTimeout != time.Second {
		t.Errorf("PoolConfig does not override the URL: MaxConns=%d app=%q timeout=%v", cfg.MaxConns,
			cfg.ConnConfig.RuntimeParams["application_name"], cfg.ConnConfig.ConnectTimeout)
	}
	pool.Close()
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Nothing listens on a port we just released.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()

	tests := []struct {
		name, url string
		cfg       store.PoolConfig
		want      []string // substrings of the error
		notWant   string
	}{
		{"unreachable", "postgres://u:secret@127.0.0.1:" + port + "/db", store.PoolConfig{},
			[]string{"connecting to PostgreSQL at 127.0.0.1:" + port + "/db"}, "secret"},
		{"malformed", "postgres://u:secret@127.0.0.1:notaport/db", store.PoolConfig{},
			[]string{"parsing the database URL"}, "secret"},
		{"invalid config", "postgres://127.0.0.1/db", store.PoolConfig{MaxConns: 2, MinConns: 3},
			[]string{"MinConns"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool, err := store.Open(ctx, tt.url, tt.cfg)
			if err == nil {
				pool.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("error %q reveals %q", err, tt.notWant)
			}
		})
	}
}

// withParams adds key=value parameters to a postgres:// URL or a keyword=value string.
func withParams(conn string, kvs ...string) string {
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		sep := "?"
		if strings.Contains(conn, "?") {
			sep = "&"
		}
		return conn + sep + strings.Join(kvs, "&")
	}
	return conn + " " + strings.Join(kvs, " ")
}

// TestOpenGenericPlans: GenericPlans sets plan_cache_mode on every connection; the default is
// Postgres's own choice.
func TestOpenGenericPlans(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := pgtest.NewURL(t)
	for _, tt := range []struct {
		generic bool
		want    string
	}{{true, "force_generic_plan"}, {false, "auto"}} {
		pool, err := store.Open(ctx, url, store.PoolConfig{MaxConns: 2, GenericPlans: tt.generic})
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		err = pool.QueryRow(ctx, "SHOW plan_cache_mode").Scan(&mode)
		pool.Close()
		if err != nil || mode != tt.want {
			t.Errorf("GenericPlans %v: plan_cache_mode %q (%v), want %q", tt.generic, mode, err, tt.want)
		}
	}
}
