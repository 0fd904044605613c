package query

import (
	"slices"
	"strconv"
	"strings"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// Intervals are the bucket sizes of interval aggregates, in seconds, and the offset that aligns
// a week on Monday (the unix epoch was a Thursday).
var intervals = map[string]struct{ size, offset int64 }{
	"hour": {3600, 0},
	"day":  {86400, 0},
	"week": {604800, 259200},
}

// aggCol is one selected column of an aggregate row and where its value goes in the result.
type aggCol struct {
	field string // result key ("count", a group field, "timestamp")
	stat  string // "sum", "min", "max" for statistics, else ""
	typ   catalog.Scalar
	cast  string // Go scan type: bytea, text, int8, boolean
}

// aggregateStmt builds a grouped aggregate:
//
//	SELECT <group columns>, [<bucket>], count(*), sum(x)::text, min(x)::text, max(x)::text ...
//	FROM <table> AS t0 WHERE <scope> AND <where>
//	GROUP BY <group columns>, [<bucket>] ORDER BY <bucket>, <group columns> LIMIT <first> OFFSET <skip>
func aggregateStmt(chain int64, at model.At, e *catalog.Entity, a AggregateArgs, first, skip int) (Stmt, []aggCol, error) {
	b := newBuilder(chain, at)
	t := b.alias()
	w, err := b.where(t, e, a.Where, 0)
	if err != nil {
		return Stmt{}, nil, err
	}
	var sel, groups []string
	var cols []aggCol
	if iv := str(a.Interval); iv != "" {
		spec, ok := intervals[iv]
		if !ok || e.Timestamp == "" {
			return Stmt{}, nil, model.Errorf("%s cannot be aggregated by %q", e.Name, iv)
		}
		ts := colName(t, e.Timestamp)
		bucket := "(" + ts + " - (" + ts + " + " + strconv.FormatInt(spec.offset, 10) + ") % " + strconv.FormatInt(spec.size, 10) + ")"
		sel = append(sel, bucket)
		groups = append(groups, bucket)
		cols = append(cols, aggCol{field: "timestamp", typ: catalog.BigInt, cast: "int8"})
	}
	seen := map[string]bool{}
	for _, g := range a.GroupBy {
		f := e.Field(g)
		if f == nil || !f.Groupable() {
			return Stmt{}, nil, model.Errorf("%s cannot be grouped by %s", e.Name, g)
		}
		if seen[g] {
			continue
		}
		seen[g] = true
		x := b.col(t, f.Col)
		sel = append(sel, x)
		groups = append(groups, x)
		cols = append(cols, aggCol{field: g, typ: f.Col.Type, cast: sortCast(f.Col)})
	}
	sel = append(sel, "count(*)")
	cols = append(cols, aggCol{field: "count", typ: catalog.Int8, cast: "int8"})
	for _, stat := range []string{"sum", "min", "max"} {
		for _, f := range e.Fields {
			if !f.Sum || f.Col == nil || (a.Stats != nil && !slices.Contains(a.Stats[stat], f.Name)) {
				continue
			}
			sel = append(sel, stat+"("+b.col(t, f.Col)+")::text")
			typ := catalog.BigInt
			if f.Type == catalog.BigDecimal {
				typ = catalog.BigDecimal
			}
			cols = append(cols, aggCol{field: f.Name, stat: stat, typ: typ, cast: "text"})
		}
	}
	dir := " ASC"
	if desc(a.OrderDirection) {
		dir = " DESC"
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + strings.Join(sel, ", ") + " FROM " + table(e) + " AS " + t)
	sb.WriteString(" WHERE " + and(b.scope(t, e), b.viaCurrent(t, e, b.keyConds(e, a.Where)), w))
	if len(groups) > 0 {
		ords := make([]string, len(groups))
		for i := range groups {
			ords[i] = itoa(i+1) + dir
		}
		sb.WriteString(" GROUP BY " + strings.Join(groups, ", "))
		sb.WriteString(" ORDER BY " + strings.Join(ords, ", "))
	}
	sb.WriteString(limitSQL(first, skip))
	return Stmt{SQL: sb.String(), Args: b.args}, cols, nil
}

// aggTargets returns scan targets for an aggregate row.
func aggTargets(cols []aggCol) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		switch c.cast {
		case "bytea":
			out[i] = new([]byte)
		case "int8":
			out[i] = new(*int64)
		case "boolean":
			out[i] = new(*bool)
		default:
			out[i] = new(*string)
		}
	}
	return out
}

// AggregateRow is what the generated <Entity>Aggregate models implement.
type AggregateRow interface {
	// SetAggregate sets a group value (stat "") or a statistic (sum, min, max) of a field.
	SetAggregate(stat, field string, v any)
}

// fillAggregate sets a scanned aggregate row into r, each value in the Go type of its GraphQL
// field (nil for NULL).
func fillAggregate(r AggregateRow, cols []aggCol, targets []any) {
	for i, c := range cols {
		var v any
		switch p := targets[i].(type) {
		case *[]byte:
			if *p != nil {
				v = model.Bytes(*p)
			}
		case **int64:
			if *p != nil {
				switch c.typ {
				case catalog.BigInt:
					v = model.BigInt(strconv.FormatInt(**p, 10))
				case catalog.Int8:
					v = model.Int8(**p)
				default:
					v = int(**p)
				}
			}
		case **bool:
			if *p != nil {
				v = **p
			}
		case **string:
			if *p != nil {
				switch c.typ {
				case catalog.BigInt:
					v = model.BigInt(**p)
				case catalog.BigDecimal:
					v = model.BigDecimal(**p)
				default:
					v = **p
				}
			}
		}
		r.SetAggregate(c.stat, c.field, v)
	}
	// A selected statistic exists even when none of its numbers is computed (sum { __typename }).
	for _, st := range []string{"sum", "min", "max"} {
		r.SetAggregate(st, "", nil)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
