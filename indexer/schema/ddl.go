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

// Covering is a covering index of an event table: a filtered list by one indexed parameter, in
// block order, is answered from the index alone (an index-only scan), where the plain index of
// the parameter visits a table page for almost every row. The rows of one address lie on as many
// pages as they have events, and fetching those pages was most of a filtered page's cost.
//
// Covering indexes are several times larger than the plain ones and make bulk writes dearer, so
// the indexer builds them once its backfill is done, partition by partition without blocking
// writes (see BuildSQL and AttachSQL); the parent's index, created first, makes every later
// partition get one at creation.
type Covering struct {
	Name  string // the parent's index
	Param string // the key's first column
	table string
	cols  string // "(param, block_number, log_index) INCLUDE (...)", sanitized
}

// CoveringIndexes returns the covering indexes of t, one per indexed parameter; none when a
// column the GraphQL API reads is of unbounded size (text, dynamic bytes, arrays, tuples), which
// an index entry cannot always hold.
func (t *Table) CoveringIndexes() []Covering {
	var include []string
	for _, c := range t.Columns {
		switch {
		case c.Name == "block_hash" || c.Name == "tx_index" || c.Name == "block_number" || c.Name == "log_index":
			// Not read by the API, or in the key.
		case !bounded(c):
			return nil
		default:
			include = append(include, c.Name)
		}
	}
	var out []Covering
	for _, c := range t.params {
		if !c.Indexed {
			continue
		}
		inc := make([]string, 0, len(include))
		for _, n := range include {
			if n != c.Name {
				inc = append(inc, pgx.Identifier{n}.Sanitize())
			}
		}
		out = append(out, Covering{
			Name:  Ident(t.Name + "_" + c.Name + "_cov"),
			Param: c.Name,
			table: t.Name,
			cols: fmt.Sprintf("(%s, block_number, log_index) INCLUDE (%s)",
				pgx.Identifier{c.Name}.Sanitize(), strings.Join(inc, ", ")),
		})
	}
	return out
}

// bounded reports a column whose values fit an index entry whatever the event: metadata, numbers,
// booleans and fixed-size byte strings (addresses, bytesN, the topic of a hashed parameter).
func bounded(c Column) bool {
	switch {
	case c.Meta || c.Hashed:
		return true
	case c.SQLType == "numeric" || c.SQLType == "boolean":
		return true
	case c.SQLType == "bytea":
		return c.ABIType != "bytes"
	}
	return false
}

// ParentSQL creates the index on the partitioned table alone: invalid until every partition's
// index is attached, and cloned onto every partition created after it.
func (c Covering) ParentSQL() string {
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON ONLY %s %s",
		pgx.Identifier{c.Name}.Sanitize(), pgx.Identifier{c.table}.Sanitize(), c.cols)
}

// PartitionIndex names the index c builds on a partition.
func (c Covering) PartitionIndex(partition string) string {
	return Ident(partition + "_" + c.Param + "_cov")
}

// BuildSQL builds c's index on one partition without blocking its writes (it cannot run inside a
// transaction; a build that fails or is cancelled leaves an invalid index, to be dropped).
func (c Covering) BuildSQL(partition string) string {
	return fmt.Sprintf("CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s %s",
		pgx.Identifier{c.PartitionIndex(partition)}.Sanitize(), pgx.Identifier{partition}.Sanitize(), c.cols)
}

// AttachSQL attaches a partition's index, built by BuildSQL, to the parent's.
func (c Covering) AttachSQL(partition string) string {
	return fmt.Sprintf("ALTER INDEX %s ATTACH PARTITION %s",
		pgx.Identifier{c.Name}.Sanitize(), pgx.Identifier{c.PartitionIndex(partition)}.Sanitize())
}

// DropInvalidSQL drops a partition's index left invalid by a failed build.
func (c Covering) DropInvalidSQL(partition string) string {
	return fmt.Sprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", pgx.Identifier{c.PartitionIndex(partition)}.Sanitize())
}

// UncoveredQuery lists the partitions of the table named by $1 that have no index attached to
// the parent's index named by $2 (both sanitized identifiers).
const UncoveredQuery = `
SELECT p.relname
FROM pg_inherits pi
JOIN pg_class p ON p.oid = pi.inhrelid
WHERE pi.inhparent = to_regclass($1)
  AND NOT EXISTS (
	SELECT 1 FROM pg_index x JOIN pg_inherits xi ON xi.inhrelid = x.indexrelid
	WHERE x.indrelid = p.oid AND xi.inhparent = to_regclass($2))
ORDER BY p.relname`

// InvalidIndexQuery reports whether the index named $1 exists and is invalid.
const InvalidIndexQuery = `SELECT coalesce((SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)), false)`
