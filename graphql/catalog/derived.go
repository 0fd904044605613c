package catalog

import (
	"fmt"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/rahataid/rahat/indexer/schema"
)

// StorageDirectives are the directives of entities.graphql that describe storage; the published
// schema does not carry them.
var StorageDirectives = []string{"entity", "column", "ref", "derivedFrom", "aggregate"}

// ParseEntities parses the hand-written entities SDL.
func ParseEntities(sdl string) (*ast.SchemaDocument, error) {
	doc, err := parser.ParseSchema(&ast.Source{Name: "entities.graphql", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("parsing entities.graphql: %w", err)
	}
	return doc, nil
}

// derivedEntities reads the object types of the entities SDL: their scalar fields first (so
// every entity is known), then their relations.
func derivedEntities(doc *ast.SchemaDocument) ([]*Entity, error) {
	var out []*Entity
	byName := map[string]*Entity{}
	defs := map[string]*ast.Definition{}
	for _, d := range doc.Definitions {
		if d.Kind != ast.Object {
			continue
		}
		e, err := derivedEntity(d)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		byName[e.Name] = e
		defs[e.Name] = d
	}
	// To-one relations first: to-many ones are their inverses.
	for _, many := range []bool{false, true} {
		for _, e := range out {
			for _, fd := range defs[e.Name].Fields {
				if isScalar(fd.Type.Name()) || (fd.Type.Elem != nil) != many {
					continue
				}
				if err := relationField(e, fd, byName); err != nil {
					return nil, err
				}
			}
		}
	}
	// Restore the schema's field order (relations were added last).
	for _, e := range out {
		order := map[string]int{}
		for i, fd := range defs[e.Name].Fields {
			order[fd.Name] = i
		}
		slices.SortStableFunc(e.Fields, func(a, b *Field) int { return order[a.Name] - order[b.Name] })
	}
	return out, nil
}

func isScalar(name string) bool {
	switch Scalar(name) {
	case Bytes, BigInt, BigDecimal, Int, Int8, String, Boolean:
		return true
	}
	return false
}

func derivedEntity(d *ast.Definition) (*Entity, error) {
	ed := d.Directives.ForName("entity")
	if ed == nil {
		return nil, fmt.Errorf("type %s: no @entity directive", d.Name)
	}
	args := dirArgs(ed)
	table, _ := args["table"].(string)
	if table == "" {
		return nil, fmt.Errorf("type %s: @entity needs a table", d.Name)
	}
	e := &Entity{
		Name: d.Name, Doc: d.Description, Table: table, Kind: Versioned,
		Single: SingleName(d.Name), Plural: PluralName(d.Name),
	}
	if imm, _ := args["immutable"].(bool); imm {
		e.Kind = Immutable
	}
	e.Timestamp, _ = args["timestamp"].(string)
	e.VersionKey, _ = args["versionKey"].(string)
	e.Key = append(e.Key, asStrings(args["key"])...)
	if len(e.Key) == 0 {
		return nil, fmt.Errorf("type %s: @entity needs a key", d.Name)
	}
	// Scalar fields, with their columns visible under the field's name.
	for _, fd := range d.Fields {
		tn := fd.Type.Name()
		if !isScalar(tn) {
			continue
		}
		if fd.Name == "id" {
			if err := e.addField(&Field{Name: "id", Doc: fd.Description, Type: Bytes, IsID: true}); err != nil {
				return nil, err
			}
			continue
		}
		col, err := fieldColumn(d.Name, fd)
		if err != nil {
			return nil, err
		}
		col.GoName, col.JSONName = GoName(fd.Name), fd.Name
		col = e.addColumn(col)
		f := &Field{Name: fd.Name, Doc: fd.Description, Type: Scalar(tn), List: fd.Type.Elem != nil,
			Nullable: !fd.Type.NonNull, Col: col, Sum: fd.Directives.ForName("aggregate") != nil}
		if err := e.addField(f); err != nil {
			return nil, err
		}
	}
	if e.Field("id") == nil {
		return nil, fmt.Errorf("type %s: no id field", d.Name)
	}
	// The id's parts, read (hidden if no field shows them) for every row.
	if e.Kind == Immutable {
		e.ID = IDSpec{Parts: []IDPart{{Column: "tx_hash", Width: 32, Enc: Raw}, {Column: "log_index", Width: 4, Enc: LE32}}}
		e.hidden("tx_hash", "bytea", Bytes, false)
		e.hidden("log_index", "int4", Int, false)
	} else {
		for _, k := range e.Key {
			c := e.Column(k)
			if c == nil {
				c = e.hidden(k, "bytea", Bytes, false)
			}
			part := IDPart{Column: k, Width: 20, Enc: Raw}
			switch {
			case c.SQLType == "numeric":
				part.Width, part.Enc = 32, U256
			case c.SQLType != "bytea":
				return nil, fmt.Errorf("type %s: key column %s is %s; ids support bytea and numeric", d.Name, k, c.SQLType)
			}
			if c.Width > 0 {
				part.Width = c.Width
			}
			e.ID.Parts = append(e.ID.Parts, part)
		}
	}
	for _, k := range e.Key {
		if e.Column(k) == nil {
			e.hidden(k, "int8", BigInt, false)
		}
	}
	if e.Timestamp != "" && e.Column(e.Timestamp) == nil {
		e.hidden(e.Timestamp, "int8", BigInt, false)
	}
	return e, nil
}

// hidden adds a column that no scalar field shows (read for relations and ids).
func (e *Entity) hidden(name, sqlType string, typ Scalar, nullable bool) *Column {
	return e.addColumn(&Column{Name: name, SQLType: sqlType, Type: typ, Nullable: nullable, GoName: "Col_" + name, JSONName: "-"})
}

// fieldColumn reads a scalar field's @column directive.
func fieldColumn(typeName string, fd *ast.FieldDefinition) (*Column, error) {
	c := &Column{Name: schema.Snake(fd.Name), Type: Scalar(fd.Type.Name()), List: fd.Type.Elem != nil, Nullable: !fd.Type.NonNull}
	c.SQLType = defaultSQLType(c.Type)
	if cd := fd.Directives.ForName("column"); cd != nil {
		args := dirArgs(cd)
		if v, _ := args["name"].(string); v != "" {
			c.Name = v
		}
		if v, _ := args["type"].(string); v != "" {
			c.SQLType = v
		}
		if v, ok := args["width"].(int64); ok {
			c.Width = int(v)
		}
		if v, _ := args["sql"].(string); v != "" {
			c.SQL = v
			c.Name = schema.Snake(fd.Name) // names the model field only
		}
	}
	if c.List {
		c.SQLType += "[]"
	}
	if !validName(fd.Name) {
		return nil, fmt.Errorf("type %s: %q is not a GraphQL name", typeName, fd.Name)
	}
	return c, nil
}

func defaultSQLType(s Scalar) string {
	switch s {
	case Bytes:
		return "bytea"
	case BigInt, BigDecimal:
		return "numeric"
	case Int:
		return "int4"
	case Int8:
		return "int8"
	case Boolean:
		return "boolean"
	}
	return "text"
}

// relationField adds a to-one (@ref or the column named like the field) or a to-many
// (@derivedFrom) relation.
func relationField(e *Entity, fd *ast.FieldDefinition, byName map[string]*Entity) error {
	target := byName[fd.Type.Name()]
	if target == nil {
		return fmt.Errorf("%s.%s: unknown type %s", e.Name, fd.Name, fd.Type.Name())
	}
	f := &Field{Name: fd.Name, Doc: fd.Description, Nullable: !fd.Type.NonNull}
	if fd.Type.Elem != nil {
		df := fd.Directives.ForName("derivedFrom")
		if df == nil {
			return fmt.Errorf("%s.%s: a list of entities needs @derivedFrom", e.Name, fd.Name)
		}
		via, _ := dirArgs(df)["field"].(string)
		inv := target.Field(via)
		if inv == nil || inv.Rel == nil || inv.Rel.Many || inv.Rel.Target != e {
			return fmt.Errorf("%s.%s: @derivedFrom(field: %q) is not a relation of %s to %s", e.Name, fd.Name, via, target.Name, e.Name)
		}
		f.Rel = &Relation{Target: target, Many: true, Local: inv.Rel.Remote, Remote: inv.Rel.Local, Inverse: inv}
		for _, c := range f.Rel.Local {
			if e.Column(c) == nil {
				return fmt.Errorf("%s.%s: column %s is not read", e.Name, fd.Name, c)
			}
		}
		return e.addField(f)
	}
	local := []string{schema.Snake(fd.Name)}
	if rd := fd.Directives.ForName("ref"); rd != nil {
		local = asStrings(dirArgs(rd)["columns"])
	}
	if len(local) != len(target.Key) || target.Kind != Versioned {
		return fmt.Errorf("%s.%s: a reference needs one column per key column of versioned %s (%v)", e.Name, fd.Name, target.Name, target.Key)
	}
	f.Rel = &Relation{Target: target, Local: local, Remote: target.Key}
	for i, c := range local {
		col := e.Column(c)
		if col == nil {
			tc := target.Column(target.Key[i])
			col = e.hidden(c, tc.SQLType, tc.Type, !fd.Type.NonNull)
		}
		if len(local) == 1 {
			f.Col, f.Type = col, col.Type
		}
	}
	return e.addField(f)
}

// dirArgs reads a directive's literal arguments (the SDL is parsed, not validated, so the
// directives have no definitions to take defaults from).
func dirArgs(d *ast.Directive) map[string]any {
	out := map[string]any{}
	for _, a := range d.Arguments {
		if v, err := a.Value.Value(nil); err == nil {
			out[a.Name] = v
		}
	}
	return out
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
