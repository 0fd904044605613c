package indexer

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/indexer/schema"
)

// coveringLockKey serialises the builds of covering indexes between indexers (of other chains,
// or a standby that became active): one builds, the others wait and find the work done.
var coveringLockKey = int64(fnv64("rahat/indexer/covering"))

// BuildCoveringIndexes gives every partition of tables the covering indexes of its table
// (schema.Table.CoveringIndexes), without blocking writes: the parent's index first (so that
// partitions created from then on get theirs at creation), then each existing partition's, built
// concurrently and attached. A partition's index left invalid by an interrupted build is dropped
// and built again. It returns the number of partition indexes built; a second call finds nothing
// to do. The indexer calls it once its backfill is done (Config.CoveringIndexes); the GraphQL
// benchmark calls it after loading its events.
func BuildCoveringIndexes(ctx context.Context, db *pgxpool.Pool, tables []*schema.Table, log *slog.Logger) (int, error) {
	pc, err := db.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("covering indexes: acquiring a connection: %w", err)
	}
	// The session lock lives as long as the connection, which never goes back to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", coveringLockKey); err != nil {
		return 0, fmt.Errorf("covering indexes: waiting for the build lock: %w", err)
	}
	built := 0
	for _, t := range tables {
		for _, c := range t.CoveringIndexes() {
			n, err := buildCovering(ctx, conn, t, c, log)
			built += n
			if err != nil {
				return built, fmt.Errorf("covering index %s: %w", c.Name, err)
			}
		}
	}
	return built, nil
}

// buildCovering builds one covering index on every partition of t that lacks it.
func buildCovering(ctx context.Context, conn *pgx.Conn, t *schema.Table, c schema.Covering, log *slog.Logger) (int, error) {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schemaLockKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, c.ParentSQL())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("creating the parent's index: %w", err)
	}
	parts, err := uncovered(ctx, conn, t, c)
	if err != nil {
		return 0, err
	}
	if len(parts) > 0 {
		log.Info("building a covering index", "table", t.Name, "index", c.Name, "partitions", len(parts))
	}
	for i, p := range parts {
		start := time.Now()
		var invalid bool
		if err := conn.QueryRow(ctx, schema.InvalidIndexQuery, pgx.Identifier{c.PartitionIndex(p)}.Sanitize()).Scan(&invalid); err != nil {
			return i, fmt.Errorf("checking %s: %w", p, err)
		}
		if invalid {
			log.Info("dropping a covering index left invalid by an interrupted build", "partition", p, "index", c.PartitionIndex(p))
			if _, err := conn.Exec(ctx, c.DropInvalidSQL(p)); err != nil {
				return i, fmt.Errorf("dropping the invalid index of %s: %w", p, err)
			}
		}
		if _, err := conn.Exec(ctx, c.BuildSQL(p)); err != nil {
			return i, fmt.Errorf("building on %s: %w", p, err)
		}
		if _, err := conn.Exec(ctx, c.AttachSQL(p)); err != nil {
			return i, fmt.Errorf("attaching the index of %s: %w", p, err)
		}
		log.Debug("covering index built", "partition", p, "index", c.PartitionIndex(p), "took", time.Since(start).Round(time.Millisecond))
	}
	// Partitions created meanwhile got theirs from the parent's index.
	left, err := uncovered(ctx, conn, t, c)
	if err != nil {
		return len(parts), err
	}
	if len(left) > 0 {
		return len(parts), fmt.Errorf("partitions still without it after the build: %v", left)
	}
	return len(parts), nil
}

// uncovered lists the partitions of t with no index attached to c's parent index.
func uncovered(ctx context.Context, conn *pgx.Conn, t *schema.Table, c schema.Covering) ([]string, error) {
	rows, err := conn.Query(ctx, schema.UncoveredQuery, t.Identifier().Sanitize(), pgx.Identifier{c.Name}.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("listing partitions without it: %w", err)
	}
	parts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing partitions without it: %w", err)
	}
	return parts, nil
}

// startCovering builds the covering indexes in the background, once per tenure, when the
// backfill is done: built during a backfill they would slow it down (bulk inserts maintain every
// index), while the live indexer's few rows a block cost them nothing noticeable.
func (r *run) startCovering(ctx context.Context) {
	if !r.cfg.CoveringIndexes || r.covering != nil {
		return
	}
	done := make(chan struct{})
	r.covering = done
	go func() {
		defer close(done)
		start := time.Now()
		r.log.Debug("backfill done; checking the covering indexes for filtered lists")
		for failures := 0; ; failures++ {
			n, err := BuildCoveringIndexes(ctx, r.db, r.cat.tables, r.log)
			switch {
			case ctx.Err() != nil:
				r.log.Info("covering index build interrupted; it resumes at the next start", "built", n)
				return
			case err == nil:
				// Logged when there was something to build: a restart finds them in place.
				level := slog.LevelDebug
				if n > 0 {
					level = slog.LevelInfo
				}
				r.log.Log(ctx, level, "covering indexes ready", "partition_indexes_built", n, "took", time.Since(start).Round(time.Millisecond))
				r.ix.update(func(s *Status) { s.CoveringReady = true })
				return
			}
			// Reads stay correct without them, only slower: an error is retried, never fatal.
			d := backoff(time.Minute, 30*time.Minute, failures)
			r.log.Error("building covering indexes failed", "err", err, "built", n, "retry_in", d)
			if sleep(ctx, d) != nil {
				return
			}
		}
	}()
}
