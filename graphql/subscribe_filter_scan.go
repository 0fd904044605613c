package graphql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/query"
)

// DefaultMaxScanRows bounds the new rows of one table read per commit to decide which filtered
// subscriptions it touches; past it, every subscription on the table is re-read (a commit that
// large is rare, and evaluating every filter on every row would cost more than it saves).
const DefaultMaxScanRows = 5000

// filterScan reads the rows a commit added to the event tables that filtered list subscriptions
// watch: once per commit and table, shared by every group on the table.
type filterScan struct {
	db    query.DB
	limit int
}

// commitScan is what one scan found: the new rows of the blocks from..to of a chain, by table.
// A table with no entry was not read (too many rows, an error): every group on it re-reads.
type commitScan struct {
	seq      uint64
	chain    uint64
	from, to uint64
	tables   map[string]*tableRows
}

// tableRows are the new rows of one table, holding only the columns some filter reads.
type tableRows struct {
	idx  map[string]int // column name → position in a row
	rows [][]cell
}

// checkpointSQL reads how far the database read from has indexed: a read replica may lag the
// notice, and rows it does not hold yet must not be taken for rows that do not match.
const checkpointSQL = `SELECT indexed_block FROM indexer_chains WHERE chain_id = $1`

// scanCommit reads the new rows an announcing event brought to the tables of the groups whose
// filters can be evaluated, or returns nil when the event does not lend itself to it (a reorg,
// unknown tables, nothing filtered): every group the event touches by table is then re-read.
func (s *subscriptions) scanCommit(ctx context.Context, ev *seqEvent, gs []*group) *commitScan {
	fs := s.filters
	if fs.db == nil || !ev.Announces() || ev.Reorg != nil || ev.AllTables || len(ev.Tables) == 0 {
		return nil
	}
	type need struct {
		e    *catalog.Entity
		cols map[string]*catalog.Column
	}
	needs := map[string]*need{}
	for _, g := range gs {
		p := g.plan
		if p.filter == nil || !p.narrow || p.timed || !ev.Touches(p.entity.Table) {
			continue
		}
		n := needs[p.entity.Table]
		if n == nil {
			n = &need{e: p.entity, cols: map[string]*catalog.Column{}}
			needs[p.entity.Table] = n
		}
		for _, c := range p.filter.cols {
			n.cols[c.Name] = c
		}
	}
	if len(needs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var indexed int64
	if err := fs.db.QueryRow(ctx, checkpointSQL, int64(ev.ChainID)).Scan(&indexed); err != nil {
		s.m.scans.WithLabelValues("error").Inc()
		s.log.Warn("graphql: reading the checkpoint for live filters; re-reading every filtered subscription", "err", err, "block", ev.Head.Number)
		return nil
	}
	if indexed < int64(ev.Head.Number) {
		s.m.scans.WithLabelValues("behind").Inc()
		return nil
	}
	cs := &commitScan{seq: ev.seq, chain: ev.ChainID, from: ev.From, to: ev.Head.Number, tables: map[string]*tableRows{}}
	for table, n := range needs {
		cols := make([]*catalog.Column, 0, len(n.cols))
		for _, c := range n.cols {
			cols = append(cols, c)
		}
		slices.SortFunc(cols, func(a, b *catalog.Column) int { return strings.Compare(a.Name, b.Name) })
		tr, err := scanTable(ctx, fs.db, table, cols, ev.ChainID, ev.From, ev.Head.Number, fs.limit)
		switch {
		case err != nil:
			s.m.scans.WithLabelValues("error").Inc()
			s.log.Warn("graphql: reading a commit's rows for live filters; re-reading every filtered subscription on the table",
				"err", err, "table", table, "block", ev.Head.Number)
		case tr == nil:
			s.m.scans.WithLabelValues("too_many").Inc()
		default:
			s.m.scans.WithLabelValues("ok").Inc()
			cs.tables[table] = tr
		}
	}
	return cs
}

// scanTable reads the given columns of the rows of chain in blocks from..to, or nil when there
// are more than limit. Numeric columns are read as text and parsed exactly.
func scanTable(ctx context.Context, db query.DB, table string, cols []*catalog.Column, chain, from, to uint64, limit int) (*tableRows, error) {
	sel := make([]string, len(cols))
	idx := make(map[string]int, len(cols))
	for i, c := range cols {
		sel[i] = pgx.Identifier{c.Name}.Sanitize()
		if c.SQLType == "numeric" {
			sel[i] += "::text"
		}
		idx[c.Name] = i
	}
	// Identifiers come from the catalog (the ABIs), quoted; every value is a parameter.
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM " + pgx.Identifier{table}.Sanitize() +
		" WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 LIMIT $4"
	rows, err := db.Query(ctx, sql, int64(chain), int64(from), int64(to), limit+1)
	if err != nil {
		return nil, fmt.Errorf("reading the rows of %s in blocks %d-%d: %w", table, from, to, err)
	}
	defer rows.Close()
	tr := &tableRows{idx: idx}
	for rows.Next() {
		if len(tr.rows) == limit {
			return nil, nil
		}
		vals, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("reading the rows of %s in blocks %d-%d: %w", table, from, to, err)
		}
		row := make([]cell, len(cols))
		for i, v := range vals {
			row[i] = rowCell(cols[i], v)
		}
		tr.rows = append(tr.rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the rows of %s in blocks %d-%d: %w", table, from, to, err)
	}
	return tr, nil
}

// rowCell converts a value pgx decoded (numeric as text) into a cell of the column's kind.
func rowCell(c *catalog.Column, v any) cell {
	switch x := v.(type) {
	case nil:
		return cell{kind: cellNull}
	case string:
		if c.SQLType != "numeric" {
			return cell{kind: cellText, s: x}
		}
		if n, ok := parseNum(x); ok {
			return n
		}
		return cell{kind: cellUnknown} // NaN, infinity
	case []byte:
		return cell{kind: cellBytes, b: x}
	case bool:
		return cell{kind: cellBool, t: x}
	case int64:
		return cell{kind: cellNum, n: x}
	case int32:
		return cell{kind: cellNum, n: int64(x)}
	case int16:
		return cell{kind: cellNum, n: int64(x)}
	}
	return cell{kind: cellUnknown}
}

// excludes reports that the scan shows the event brought no row the group's filter may match,
// so the group need not be re-read. It is false whenever the scan does not cover what the group
// has not seen: another event, another chain, a range starting after the group's block, a table
// not read.
func (cs *commitScan) excludes(g *group, ev *seqEvent) bool {
	p := g.plan
	if cs == nil || p.filter == nil || !p.narrow || p.timed || cs.seq != ev.seq || cs.chain != g.chain ||
		cs.to != ev.Head.Number || !g.known || cs.from > g.at+1 {
		return false
	}
	t := cs.tables[p.entity.Table]
	if t == nil {
		return false
	}
	return !p.filter.mayMatchAny(t)
}
