package schema

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CreateSQL returns idempotent statements that create the partitioned table and its indexes.
// Identifiers come from ABIs, so every one is quoted with pgx.Identifier.Sanitize.
func (t *Table) CreateSQL() []string {
	var cols strings.Builder
	for _, c := range t.Columns {
		fmt.Fprintf(&cols, "\t%s %s NOT NULL,\n", pgx.Identifier{c.Name}.Sanitize(), c.SQLType)
	}
	tbl := t.Identifier().Sanitize()
	stmts := []string{
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n%s\tPRIMARY KEY (chain_id, block_number, log_index)\n) PARTITION BY RANGE (block_number)", tbl, cols.String()),
		fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (tx_hash)", pgx.Identifier{Ident(t.Name + "_tx_hash_idx")}.Sanitize(), tbl),
		fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (contract, block_number)", pgx.Identifier{Ident(t.Name + "_contract_idx")}.Sanitize(), tbl),
	}
	for _, c := range t.params {
		if !c.Indexed {
			continue
		}
		stmts = append(stmts, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s, block_number)",
			pgx.Identifier{Ident(t.Name + "_" + c.Name + "_idx")}.Sanitize(), tbl, pgx.Identifier{c.Name}.Sanitize()))
	}
	return stmts
}

// PartitionSQL returns the statement creating the partition of t for blocks [from, to).
func (t *Table) PartitionSQL(from, to uint64) string {
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM (%d) TO (%d)",
		pgx.Identifier{PartitionName(t.Name, from)}.Sanitize(), t.Identifier().Sanitize(), from, to)
}

// PartitionsQuery lists the partitions of the table named by $1 (a sanitized identifier) with their
// bound expressions, for ParseBound.
const PartitionsQuery = `
SELECT pg_get_expr(c.relpartbound, c.oid)
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass($1)`

var boundRE = regexp.MustCompile(`FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)`)

// ParseBound parses a range partition bound such as "FOR VALUES FROM ('0') TO ('1000000')".
func ParseBound(expr string) (from, to int64, err error) {
	m := boundRE.FindStringSubmatch(expr)
	if m == nil {
		return 0, 0, fmt.Errorf("unrecognised partition bound %q", expr)
	}
	from, err = strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("partition bound %q: %w", expr, err)
	}
	to, err = strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("partition bound %q: %w", expr, err)
	}
	return from, to, nil
}
