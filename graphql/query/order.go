package query

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// sortKey is one expression of an ORDER BY and of a keyset comparison.
type sortKey struct {
	expr string // over the statement's alias
	cast string // Postgres type of its values (for cursor parameters)
}

// sortKeys returns the ORDER BY of entity e by field orderBy ("" for the default, the entity's
// key), always ending with the key columns, so that the order is total and a cursor names exactly
// one position. Two rewrites keep orders on indexes:
//   - ordering events by blockTimestamp is ordering them by block_number: block times never
//     decrease along a chain (consensus requires each block's time to exceed its parent's);
//   - a nullable column sorts as COALESCE(column, zero value), so that keyset comparisons never
//     meet NULL (rows with NULL sort with the zero value, then by key).
func (b *builder) sortKeys(a string, e *catalog.Entity, orderBy string) ([]sortKey, error) {
	var keys []sortKey
	if rel, child, ok := e.ChildOrder(orderBy); ok {
		keys = b.childSortKeys(a, rel.Rel, child)
	} else if orderBy != "" {
		f := e.Field(orderBy)
		if f == nil || !f.Orderable() {
			return nil, model.Errorf("%s cannot be ordered by %s", e.Name, orderBy)
		}
		switch {
		case f.IsID:
			for _, p := range e.ID.Parts {
				keys = append(keys, idSortKey(a, p))
			}
		case f.Const != "":
			// Constant: the key order alone.
		case f.Col != nil && f.Col.Name == e.Timestamp && e.Kind != catalog.Versioned:
			// Block time follows block number: order by the key (block_number, log_index).
		case f.Col != nil:
			keys = append(keys, sortKey{expr: b.sortExpr(a, f.Col), cast: sortCast(f.Col)})
		}
	}
	for _, k := range e.Key {
		c := e.Column(k)
		x := sortKey{expr: colName(a, k), cast: sortCast(c)}
		dup := false
		for _, have := range keys {
			dup = dup || have.expr == x.expr
		}
		if !dup {
			keys = append(keys, x)
		}
	}
	return keys, nil
}

func (b *builder) sortExpr(a string, c *catalog.Column) string {
	x := b.col(a, c)
	if !c.Nullable {
		return x
	}
	return "COALESCE(" + x + ", " + zeroOf(c.SQLType) + ")"
}

// zeroOf is the value a NULL sorts as, for a column of type t.
func zeroOf(t string) string {
	if z := map[string]string{"bytea": `'\x'::bytea`, "text": "''", "boolean": "false"}[t]; z != "" {
		return z
	}
	return "0"
}

// idSortKey orders alias a by one part of its id: as the id's bytes, except a U256 part, whose
// numeric column sorts as its 32 big-endian bytes do.
func idSortKey(a string, p catalog.IDPart) sortKey {
	if p.Enc == catalog.U256 {
		return sortKey{expr: colName(a, p.Column), cast: "numeric"}
	}
	return sortKey{expr: idPartExpr(a, p), cast: "bytea"}
}

// childSortKeys orders alias a by field child of the target of to-one relation rel, read at the
// same block: one scalar subquery per key, COALESCEd, since a reference may name no row.
func (b *builder) childSortKeys(a string, rel *catalog.Relation, child *catalog.Field) []sortKey {
	target := rel.Target
	ra := b.alias()
	of := func(k sortKey, zero string) sortKey {
		k.expr = "COALESCE((SELECT " + k.expr + " FROM " + table(target) + " AS " + ra +
			" WHERE " + and(b.related(a, ra, rel)...) + "), " + zero + ")"
		return k
	}
	if !child.IsID {
		return []sortKey{of(sortKey{expr: b.col(ra, child.Col), cast: sortCast(child.Col)}, zeroOf(child.Col.SQLType))}
	}
	var keys []sortKey
	for _, p := range target.ID.Parts {
		k := idSortKey(ra, p)
		keys = append(keys, of(k, zeroOf(k.cast)))
	}
	return keys
}

func sortCast(c *catalog.Column) string {
	switch c.SQLType {
	case "int2", "int4":
		return "int8"
	case "jsonb":
		return "text"
	}
	return c.SQLType
}

// orderBySQL renders the ORDER BY; desc reverses every key.
func orderBySQL(keys []sortKey, desc bool) string {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.expr + dir
	}
	return strings.Join(parts, ", ")
}

// keysetSQL is the condition "after this position in ascending key order" (or before it).
func (b *builder) keysetSQL(keys []sortKey, vals []string, after bool) string {
	ps := make([]string, len(keys))
	exprs := make([]string, len(keys))
	for i, k := range keys {
		exprs[i] = k.expr
		ps[i] = b.arg(cursorParam(k.cast, vals[i]), k.cast)
	}
	sym := ">"
	if !after {
		sym = "<"
	}
	return rowCompare(exprs, ps, sym)
}

// cursorParam converts a cursor's text value for its key's type.
func cursorParam(cast, v string) any {
	if cast == "bytea" {
		bs, _ := hex.DecodeString(v)
		return bs
	}
	if cast == "int8" {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	if cast == "boolean" {
		return v == "true"
	}
	return v
}

// cursor is the content of an opaque cursor: the entity and order it belongs to and the sort
// key values of the row it points at, as text.
type cursor struct {
	Entity  string   `json:"e"`
	OrderBy string   `json:"o,omitempty"`
	Keys    []string `json:"k"`
}

// encodeCursor makes the opaque cursor of a row from its scanned sort key values.
func encodeCursor(e *catalog.Entity, orderBy string, vals []any) string {
	c := cursor{Entity: e.Name, OrderBy: orderBy, Keys: make([]string, len(vals))}
	for i, v := range vals {
		c.Keys[i] = keyText(v)
	}
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func keyText(v any) string {
	switch x := v.(type) {
	case []byte:
		return hex.EncodeToString(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case nil:
		return ""
	}
	return ""
}

// decodeCursor checks that a cursor belongs to this entity and order and that every value parses
// as its key's type.
func decodeCursor(s string, e *catalog.Entity, orderBy string, keys []sortKey) ([]string, error) {
	bad := model.Errorf("invalid cursor: use a cursor returned by this connection, with the same orderBy")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Entity != e.Name || c.OrderBy != orderBy || len(c.Keys) != len(keys) {
		return nil, bad
	}
	for i, k := range keys {
		if !validKeyText(k.cast, c.Keys[i]) {
			return nil, bad
		}
	}
	return c.Keys, nil
}

func validKeyText(cast, v string) bool {
	switch cast {
	case "bytea":
		_, err := hex.DecodeString(v)
		return err == nil
	case "int8":
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case "numeric":
		var bi model.BigDecimal
		return bi.UnmarshalGQL(v) == nil
	case "boolean":
		return v == "true" || v == "false"
	}
	return len(v) < 10_000
}

// keyTargets returns scan targets for the sort keys selected after a row's columns.
func keyTargets(keys []sortKey) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		switch k.cast {
		case "bytea":
			out[i] = new([]byte)
		case "int8":
			out[i] = new(int64)
		case "boolean":
			out[i] = new(bool)
		default:
			out[i] = new(string)
		}
	}
	return out
}

// keySelect selects the sort keys (numeric as text) after the row's columns.
func keySelect(keys []sortKey) string {
	var sb strings.Builder
	for i, k := range keys {
		sb.WriteString(", ")
		sb.WriteString(k.expr)
		if k.cast == "numeric" {
			sb.WriteString("::text")
		}
		sb.WriteString(" AS k")
		sb.WriteString(strconv.Itoa(i))
	}
	return sb.String()
}

func deref(p any) any {
	switch x := p.(type) {
	case *[]byte:
		return *x
	case *int64:
		return *x
	case *bool:
		return *x
	case *string:
		return *x
	}
	return nil
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
