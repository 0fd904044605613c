package indexer

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/indexer/schema"
)

// span is a half-open block interval [lo, hi).
type span struct{ lo, hi uint64 }

// partitions keeps every event table partitioned ahead of the blocks being written. Partitions are
// aligned to multiples of size; where a partition of another size already exists (the setting
// changed), only the gaps are created, so bounds never overlap.
type partitions struct {
	db      *pgxpool.Pool
	size    uint64
	tables  []*schema.Table
	covered map[string][]span // sorted, merged
	log     *slog.Logger
}

func newPartitions(db *pgxpool.Pool, size uint64, tables []*schema.Table, log *slog.Logger) *partitions {
	return &partitions{db: db, size: size, tables: tables, covered: map[string][]span{}, log: log}
}

// load reads the existing partitions of every table.
func (p *partitions) load(ctx context.Context) error {
	for _, t := range p.tables {
		rows, err := p.db.Query(ctx, schema.PartitionsQuery, t.Identifier().Sanitize())
		if err != nil {
			return fmt.Errorf("listing partitions of %s: %w", t.Name, err)
		}
		exprs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("listing partitions of %s: %w", t.Name, err)
		}
		var spans []span
		for _, e := range exprs {
			lo, hi, err := schema.ParseBound(e)
			if err != nil {
				p.log.Warn("ignoring partition with unexpected bound", "table", t.Name, "bound", e)
				continue
			}
			spans = append(spans, span{uint64(max(lo, 0)), uint64(max(hi, 0))})
		}
		p.covered[t.Name] = merge(spans)
	}
	return nil
}

func merge(s []span) []span {
	slices.SortFunc(s, func(a, b span) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	var out []span
	for _, x := range s {
		if n := len(out); n > 0 && x.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, x.hi)
			continue
		}
		out = append(out, x)
	}
	return out
}

// gaps returns the parts of want not covered by the merged spans.
func gaps(cov []span, want span) []span {
	var out []span
	at := want.lo
	for _, c := range cov {
		if c.hi <= at || c.lo >= want.hi {
			continue
		}
		if c.lo > at {
			out = append(out, span{at, c.lo})
		}
		at = max(at, c.hi)
	}
	if at < want.hi {
		out = append(out, span{at, want.hi})
	}
	return out
}

// ensure makes sure every table has partitions for blocks [from, to] and the whole partition after
// the one holding `to`, so the next writes never wait for DDL.
func (p *partitions) ensure(ctx context.Context, from, to uint64) error {
	want := span{from / p.size * p.size, (to/p.size + 2) * p.size}
	var stmts []string
	for _, t := range p.tables {
		for _, g := range gaps(p.covered[t.Name], want) {
			// Align what is created to the partition grid, clipped to the gap.
			for lo := g.lo; lo < g.hi; {
				hi := min((lo/p.size+1)*p.size, g.hi)
				stmts = append(stmts, t.PartitionSQL(lo, hi))
				lo = hi
			}
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, p.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schemaLockKey); err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("creating partitions: %w", err)
	}
	p.log.Debug("created partitions", "count", len(stmts), "from", want.lo, "to", want.hi)
	for _, t := range p.tables {
		p.covered[t.Name] = merge(append(p.covered[t.Name], want))
	}
	return nil
}
