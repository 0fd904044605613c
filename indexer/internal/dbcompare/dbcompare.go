package dbcompare

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Table names a table to compare and the columns to leave out (times of writing and the like).
type Table struct {
	Name   string
	Ignore []string
}

// IndexerTables returns the event tables listed in indexer_event_tables plus the indexer's fixed
// tables whose content is determined by the chain alone.
func IndexerTables(ctx context.Context, db *pgxpool.Pool) ([]Table, error) {
	rows, err := db.Query(ctx, `SELECT table_name FROM indexer_event_tables ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("listing event tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing event tables: %w", err)
	}
	out := make([]Table, 0, len(names)+2)
	for _, n := range names {
		out = append(out, Table{Name: n})
	}
	out = append(out,
		Table{Name: "indexer_instances"},
		Table{Name: "indexer_chains", Ignore: []string{"updated_at", "head_block", "finalized_block",
			"has_indexing_errors", "last_error", "deep_reorg", "deep_reorg_at", "network"}},
	)
	return out, nil
}

// Rows returns the rows of a table as canonical JSON texts, sorted, without the ignored columns.
func Rows(ctx context.Context, db *pgxpool.Pool, t Table) ([]string, error) {
	ignore := t.Ignore
	if ignore == nil {
		ignore = []string{}
	}
	q := fmt.Sprintf(`SELECT (to_jsonb(t) - $1::text[])::text FROM %s t`, pgx.Identifier{t.Name}.Sanitize())
	rows, err := db.Query(ctx, q, ignore)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", t.Name, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", t.Name, err)
	}
	slices.Sort(out) // byte order, whatever the database's collation
	return out, nil
}

// Diff compares the tables in got and want and describes the differences (at most maxLines lines
// per table); it returns "" when every table is equal.
func Diff(ctx context.Context, got, want *pgxpool.Pool, tables []Table, maxLines int) (string, error) {
	var b strings.Builder
	for _, t := range tables {
		g, err := Rows(ctx, got, t)
		if err != nil {
			return "", err
		}
		w, err := Rows(ctx, want, t)
		if err != nil {
			return "", err
		}
		if slices.Equal(g, w) {
			continue
		}
		fmt.Fprintf(&b, "table %s: got %d rows, want %d\n", t.Name, len(g), len(w))
		extra, missing := minus(g, w), minus(w, g)
		lines := 0
		for _, r := range missing {
			if lines++; lines > maxLines {
				break
			}
			fmt.Fprintf(&b, "  - missing %s\n", r)
		}
		for _, r := range extra {
			if lines++; lines > maxLines {
				break
			}
			fmt.Fprintf(&b, "  + extra   %s\n", r)
		}
	}
	return b.String(), nil
}

// minus returns the rows of a (sorted) not in b (sorted), as a multiset difference.
func minus(a, b []string) []string {
	var out []string
	i, j := 0, 0
	for i < len(a) {
		switch {
		case j >= len(b) || a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			j++
		default:
			i++
			j++
		}
	}
	return out
}
