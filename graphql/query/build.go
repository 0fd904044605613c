package query

import (
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// Stmt is a built statement: SQL text and its parameters. The text holds only identifiers from
// the catalog (quoted), operators and placeholders; every value a client sent is a parameter.
type Stmt struct {
	SQL  string
	Args []any
	// Keyset marks a page after (or before) a cursor: it runs on the engine's keyset pool, when
	// it has one (Engine.SetKeysetDB).
	Keyset bool
}

// builder accumulates one statement's parameters and hands out table aliases. Everything it
// writes comes from the catalog or from constant templates in this package.
type builder struct {
	args    []any
	aliases int
	chain   int64
	at      model.At
	chainP  string // the chain id's placeholder, shared by every condition
}

func newBuilder(chain int64, at model.At) *builder {
	b := &builder{chain: chain, at: at}
	b.chainP = b.arg(chain, "int8")
	return b
}

// arg adds a parameter and returns its placeholder with an explicit cast, so that every
// parameter's type is visible in the SQL and never left to inference.
func (b *builder) arg(v any, cast string) string {
	b.args = append(b.args, v)
	p := "$" + strconv.Itoa(len(b.args))
	if cast != "" {
		p += "::" + cast
	}
	return p
}

// alias returns a fresh table alias: t0, t1 ...
func (b *builder) alias() string {
	a := "t" + strconv.Itoa(b.aliases)
	b.aliases++
	return a
}

// ident quotes an identifier as pgx.Identifier.Sanitize does, in one allocation for the names
// that need no escaping (all of the catalog's).
func ident(name string) string {
	if strings.ContainsAny(name, "\"\x00") {
		return pgx.Identifier{name}.Sanitize()
	}
	return `"` + name + `"`
}

// table is the quoted table name.
func table(e *catalog.Entity) string { return ident(e.Table) }

// col is a column of alias a: a."name", or a computed column's expression.
func (b *builder) col(a string, c *catalog.Column) string {
	if c.SQL == "" {
		return a + "." + ident(c.Name)
	}
	s := strings.ReplaceAll(c.SQL, "{t}", a)
	if strings.Contains(s, "{at}") {
		s = strings.ReplaceAll(s, "{at}", b.atTime())
	}
	return "(" + s + ")"
}

// colName is a plain column of alias a.
func colName(a, name string) string {
	if strings.ContainsAny(name, "\"\x00") {
		return a + "." + ident(name)
	}
	return a + `."` + name + `"`
}

// atTime is the unix time of the block read: the checkpoint's for the latest state, else the
// newest stored block at or below the block read (NULL when that is below the stored window).
func (b *builder) atTime() string {
	if b.at.Latest {
		return "(SELECT indexed_timestamp FROM indexer_chains WHERE chain_id = " + b.chainP + ")"
	}
	return "(SELECT timestamp FROM indexer_blocks WHERE chain_id = " + b.chainP + " AND number <= " +
		b.arg(b.at.Number, "int8") + " ORDER BY number DESC LIMIT 1)"
}

// selectExpr reads a column in the form its Go field takes: numbers held as text (BigInt,
// BigDecimal) are cast to text, a small integer stored as numeric to int8, JSON to text.
func (b *builder) selectExpr(a string, c *catalog.Column) string {
	var sb strings.Builder
	b.writeSelectExpr(&sb, a, c)
	return sb.String()
}

// writeSelectExpr writes selectExpr (without building the column's name apart: every statement
// selects every column).
func (b *builder) writeSelectExpr(sb *strings.Builder, a string, c *catalog.Column) {
	if c.SQL == "" && !strings.ContainsAny(c.Name, "\"\x00") {
		sb.WriteString(a)
		sb.WriteString(`."`)
		sb.WriteString(c.Name)
		sb.WriteByte('"')
	} else {
		sb.WriteString(b.col(a, c))
	}
	sb.WriteString(selectCast(c))
}

// selectCast is the cast of selectExpr ("" for none).
func selectCast(c *catalog.Column) string {
	base := strings.TrimSuffix(c.SQLType, "[]")
	cast := ""
	switch c.Type {
	case catalog.BigInt, catalog.BigDecimal:
		// An integer column is read as it is (BigInt.Scan formats it): its text would cost
		// Postgres a conversion per value and the wire more bytes.
		if base != "text" && (c.Type == catalog.BigDecimal || c.List || !isIntType(base)) {
			cast = "::text"
		}
	case catalog.Int:
		if base == "numeric" {
			cast = "::int8"
		}
	case catalog.String:
		if base == "jsonb" {
			cast = "::text"
		}
	}
	if cast != "" && c.List {
		return cast + "[]"
	}
	return cast
}

func isIntType(t string) bool { return t == "int8" || t == "int4" || t == "int2" }

// selectList is the entity's columns in scan order.
func (b *builder) selectList(a string, e *catalog.Entity) string {
	var sb strings.Builder
	sb.Grow(32 * len(e.Columns))
	for i, c := range e.Columns {
		if i > 0 {
			sb.WriteString(", ")
		}
		b.writeSelectExpr(&sb, a, c)
	}
	return sb.String()
}

// scope restricts alias a of entity e to the chain and to the versions valid at the block read:
// events and immutable entities up to that block, versioned entities by their block range.
func (b *builder) scope(a string, e *catalog.Entity) string {
	conds := []string{colName(a, "chain_id") + " = " + b.chainP}
	switch {
	case e.Kind == catalog.Versioned && b.at.Latest:
		conds = append(conds, "upper_inf("+colName(a, "block_range")+")")
	case e.Kind == catalog.Versioned:
		// lower(block_range) <= N adds nothing logically; it lets the BRIN index on the versions'
		// lower bounds skip the pages written after block N.
		n := b.arg(b.at.Number, "int8")
		conds = append(conds, colName(a, "block_range")+" @> "+n, "lower("+colName(a, "block_range")+") <= "+n)
	case !b.at.Latest:
		conds = append(conds, colName(a, "block_number")+" <= "+b.arg(b.at.Number, "int8"))
	}
	return strings.Join(conds, " AND ")
}

// viaCurrent narrows alias a of a versioned entity read at a past block to the entities whose
// current version satisfies conds (conditions on key columns, which no version of an entity
// changes; every entity has a current version, as none is ever deleted):
//
//	a.id IN (SELECT c.id FROM t AS c WHERE c.chain_id = $1 AND upper_inf(c.block_range) AND <conds on c>)
//
// Postgres then finds the current versions through their partial indexes and each one's version at
// the block through the exclusion constraint's index on (id, block_range), instead of scanning the
// versions of every entity. It returns "" where it does not apply.
func (b *builder) viaCurrent(a string, e *catalog.Entity, conds func(c string) []string) string {
	if e.Kind != catalog.Versioned || b.at.Latest || e.VersionKey == "" {
		return ""
	}
	c := b.alias()
	cs := conds(c)
	if len(cs) == 0 {
		return ""
	}
	all := append([]string{colName(c, "chain_id") + " = " + b.chainP, "upper_inf(" + colName(c, "block_range") + ")"}, cs...)
	return colName(a, e.VersionKey) + " IN (SELECT " + colName(c, e.VersionKey) + " FROM " + table(e) + " AS " + c + " WHERE " + and(all...) + ")"
}

// keyConds compiles the top-level equality and _in filters of a where that are on key columns (or
// on the id), for viaCurrent; others are left to the main condition.
func (b *builder) keyConds(e *catalog.Entity, w map[string]any) func(c string) []string {
	return func(c string) []string {
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var out []string
		for _, k := range keys {
			f, ok := e.Filter(k)
			v := unptr(w[k])
			if !ok || v == nil || (f.Op != catalog.OpEq && f.Op != catalog.OpIn) {
				continue
			}
			var cond string
			var err error
			switch {
			case f.Field.IsID:
				cond, err = b.idCond(c, e, f.Op, v)
			case f.Field.Col != nil && !f.Field.List && slices.Contains(e.Key, f.Field.Col.Name) && f.Field.Col.SQL == "":
				cond, err = b.scalarCond(b.col(c, f.Field.Col), f.Field.Col, f.Op, v)
			default:
				continue
			}
			if err == nil {
				out = append(out, cond)
			}
		}
		return out
	}
}

// idExpr is the id's bytes computed from its parts (for comparisons that need all of it).
func idExpr(a string, e *catalog.Entity) string {
	parts := make([]string, len(e.ID.Parts))
	for i, p := range e.ID.Parts {
		parts[i] = idPartExpr(a, p)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

func idPartExpr(a string, p catalog.IDPart) string {
	switch p.Enc {
	case catalog.LE32:
		return "graphql_le32(" + colName(a, p.Column) + ")"
	case catalog.U256:
		return "graphql_u256(" + colName(a, p.Column) + ")"
	}
	return colName(a, p.Column)
}

// and joins non-empty conditions.
func and(conds ...string) string {
	var out []string
	for _, c := range conds {
		if c != "" {
			out = append(out, c)
		}
	}
	switch len(out) {
	case 0:
		return "TRUE"
	case 1:
		return out[0]
	}
	return strings.Join(out, " AND ")
}

// limitSQL renders LIMIT and OFFSET as literals. They are integers checked against the limits
// (never client text), and a LIMIT the planner can see makes better plans: as a parameter, a
// generic plan guesses a tenth of the rows, which sends an aggregate walking an index in group
// order instead of scanning and hashing (4 times slower on 70,000 rows).
func limitSQL(first, skip int) string {
	s := " LIMIT " + strconv.Itoa(first)
	if skip > 0 {
		s += " OFFSET " + strconv.Itoa(skip)
	}
	return s
}
