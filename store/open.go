package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolConfig tunes the connection pool Open creates. Zero fields take the value the URL gives
// (pool_max_conns, connect_timeout, application_name and so on, as pgxpool understands them),
// else the default noted on each field.
type PoolConfig struct {
	// MaxConns caps open connections. Default 10.
	MaxConns int32
	// MinConns keeps this many connections open when idle. Default 0.
	MinConns int32
	// ConnectTimeout bounds each connection attempt. Default 10s.
	ConnectTimeout time.Duration
	// MaxConnLifetime retires connections after this long, spreading load after failovers.
	// Default 1h.
	MaxConnLifetime time.Duration
	// MaxConnIdleTime closes connections idle this long. Default 30m.
	MaxConnIdleTime time.Duration
	// ApplicationName shows in pg_stat_activity and the server log. Default "rahat".
	ApplicationName string
	// GenericPlans sets plan_cache_mode = force_generic_plan on every connection: each prepared
	// statement is planned once, and partitions are pruned when it runs. For reads whose custom
	// plans cost more to make than to run (GraphQL's keyset pages).
	GenericPlans bool
}

// Validate reports the first invalid field, naming it.
func (c PoolConfig) Validate() error {
	var errs []error
	if c.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("store: MaxConns %d is negative", c.MaxConns))
	}
	if c.MinConns < 0 {
		errs = append(errs, fmt.Errorf("store: MinConns %d is negative", c.MinConns))
	}
	if c.MaxConns > 0 && c.MinConns > c.MaxConns {
		errs = append(errs, fmt.Errorf("store: MinConns %d exceeds MaxConns %d", c.MinConns, c.MaxConns))
	}
	for name, d := range map[string]time.Duration{
		"ConnectTimeout": c.ConnectTimeout, "MaxConnLifetime": c.MaxConnLifetime, "MaxConnIdleTime": c.MaxConnIdleTime,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("store: %s %v is negative", name, d))
		}
	}
	return errors.Join(errs...)
}

// Open creates a connection pool for url (a postgres:// URL or a keyword=value string) and
// checks that the server answers. It does not retry: an unreachable server is reported at
// once, with the host, port and database (never the password).
func Open(ctx context.Context, url string, cfg PoolConfig) (*pgxpool.Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors redact the password.
		return nil, fmt.Errorf("store: parsing the database URL: %w", err)
	}
	if !urlSets(url, "pool_max_conns") {
		pc.MaxConns = cmp.Or(cfg.MaxConns, 10)
	} else if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.MinConns > 0 || !urlSets(url, "pool_min_conns") {
		pc.MinConns = cfg.MinConns
	}
	if pc.MinConns > pc.MaxConns {
		return nil, fmt.Errorf("store: MinConns %d exceeds MaxConns %d", pc.MinConns, pc.MaxConns)
	}
	if cfg.MaxConnLifetime > 0 || !urlSets(url, "pool_max_conn_lifetime") {
		pc.MaxConnLifetime = cmp.Or(cfg.MaxConnLifetime, time.Hour)
	}
	if cfg.MaxConnIdleTime > 0 || !urlSets(url, "pool_max_conn_idle_time") {
		pc.MaxConnIdleTime = cmp.Or(cfg.MaxConnIdleTime, 30*time.Minute)
	}
	if cfg.ConnectTimeout > 0 || pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = cmp.Or(cfg.ConnectTimeout, 10*time.Second)
	}
	if cfg.ApplicationName != "" || pc.ConnConfig.RuntimeParams["application_name"] == "" {
		pc.ConnConfig.RuntimeParams["application_name"] = cmp.Or(cfg.ApplicationName, "rahat")
	}

	if cfg.GenericPlans {
		pc.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}

	where := fmt.Sprintf("%s:%d/%s", pc.ConnConfig.Host, pc.ConnConfig.Port, pc.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: opening a pool for %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connecting to PostgreSQL at %s: %w", where, err)
	}
	return pool, nil
}

// urlSets reports whether a connection string sets parameter key, in URL or keyword form.
func urlSets(conn, key string) bool {
	return regexp.MustCompile(`(^|[?&\s])` + regexp.QuoteMeta(key) + `\s*=`).MatchString(conn)
}
