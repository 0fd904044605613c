package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Scalar is the name of a GraphQL scalar type a field is read as.
type Scalar string

// TheGraph's scalars and GraphQL's built-in ones, as the schema names them.
const (
	Bytes      Scalar = "Bytes"
	BigInt     Scalar = "BigInt"
	BigDecimal Scalar = "BigDecimal"
	Int        Scalar = "Int"
	Int8       Scalar = "Int8"
	String     Scalar = "String"
	Boolean    Scalar = "Boolean"
)

// Kind says how an entity is stored and read at a past block.
type Kind int

const (
	// Event is an immutable event row of an indexer event table (evt_*): block_number <= N at block N.
	Event Kind = iota
	// Versioned is a mutable entity stored as block-range versions: block_range @> N at block N,
	// upper_inf(block_range) for the current state.
	Versioned
	// Immutable is a derived entity written once with a block_number, read like an event.
	Immutable
)

// Catalog is every entity the GraphQL schema serves, in schema order: derived entities first (as
// written in entities.graphql), then event entities (by contract, then event).
type Catalog struct {
	Entities []*Entity
	byName   map[string]*Entity
}

// Entity is one GraphQL object type backed by one table.
type Entity struct {
	// Name is the GraphQL type name (and the generated Go model's name).
	Name string
	// Doc is the type's description.
	Doc string
	// Table is the (unquoted) table name.
	Table string
	// Kind says how the entity is versioned.
	Kind Kind
	// Contract and Event name the ABI event of an event entity (Event is go-ethereum's unique name;
	// RawEvent the Solidity name, the value of eventType).
	Contract, Event, RawEvent string
	// Fields are the GraphQL fields, in schema order.
	Fields []*Field
	// Columns are the columns read for every row, in the generated model's scan order.
	Columns []*Column
	// Key lists the columns that identify a row within a chain, in tiebreak order: the default
	// order and the last keys of every order, so that a cursor always names one position.
	Key []string
	// ID says how the id field is made of columns.
	ID IDSpec
	// VersionKey is the column that names a versioned entity across its versions (indexed together
	// with block_range); reads at a past block find versions through it ("" if none).
	VersionKey string
	// Timestamp is the column holding the row's unix time, used for interval aggregates ("" if
	// the entity has none).
	Timestamp string
	// Single and Plural are the query field names (claimCreated, claimCreateds).
	Single, Plural string

	fields  map[string]*Field
	cols    map[string]*Column
	filters map[string]Filter
}

// Field is one GraphQL field of an entity.
type Field struct {
	// Name is the GraphQL field name.
	Name string
	// Doc is the field's description.
	Doc string
	// Type is the scalar type of a scalar field (and of a to-one relation's filter on its one
	// column); empty for a to-many relation.
	Type Scalar
	// List reports a list of Type.
	List bool
	// Nullable reports a field that may be null.
	Nullable bool
	// IsID marks the id field, computed from Entity.ID.
	IsID bool
	// Const is the fixed value of a constant field (eventType); Col is nil then.
	Const string
	// Col is the column read for a scalar field, or the single local column of a to-one relation
	// (nil for a composite or to-many relation).
	Col *Column
	// Rel is set for relation fields.
	Rel *Relation
	// Sum marks numeric fields offered to sum, min and max aggregates.
	Sum bool
}

// Column is one column (or computed expression) read for an entity.
type Column struct {
	// Name is the column name; for a computed column it names the generated model's field.
	Name string
	// SQL is the expression of a computed column: a template in which {t} is the table alias and
	// {at} the unix time of the block being read. Empty for a plain column.
	SQL string
	// SQLType is the column's Postgres type, with "[]" for arrays ("numeric", "bytea[]" ...).
	SQLType string
	// Type is the GraphQL scalar it is read as; it decides the select cast and the Go type.
	Type Scalar
	// List reports an array column.
	List bool
	// Nullable reports a column that may hold NULL.
	Nullable bool
	// Width is the byte width of a bytea key column (0: an address, 20).
	Width int
	// GoName is the field of the generated model that receives it.
	GoName string
	// JSONName is the GraphQL field it backs ("-" for columns read only for relations and ids).
	JSONName string
}

// Relation is a field whose value is another entity (to-one) or a list of them (to-many).
type Relation struct {
	// Target is the related entity.
	Target *Entity
	// Many reports a to-many relation (TheGraph's @derivedFrom).
	Many bool
	// Local are this entity's columns and Remote the target's columns they equal, pairwise.
	Local, Remote []string
	// Inverse is, for a to-many relation, the target's to-one field it is derived from.
	Inverse *Field
}

// IDEnc says how one id part is encoded in the id's bytes.
type IDEnc int

const (
	// Raw bytes of a bytea column (a fixed width, e.g. 20 for an address, 32 for a hash).
	Raw IDEnc = iota
	// LE32 is an int4 as 4 little-endian bytes, TheGraph's concatI32(logIndex).
	LE32
	// U256 is a whole numeric as 32 big-endian bytes.
	U256
)

// IDPart is one column of an id.
type IDPart struct {
	Column string
	Width  int
	Enc    IDEnc
}

// IDSpec is an id made of its parts' bytes, concatenated.
type IDSpec struct{ Parts []IDPart }

// Width is the id's length in bytes.
func (s IDSpec) Width() int {
	n := 0
	for _, p := range s.Parts {
		n += p.Width
	}
	return n
}

// Entity returns the entity called name, or nil.
func (c *Catalog) Entity(name string) *Entity { return c.byName[name] }

// Field returns the entity's field called name, or nil.
func (e *Entity) Field(name string) *Field { return e.fields[name] }

// Column returns the entity's column called name, or nil.
func (e *Entity) Column(name string) *Column { return e.cols[name] }

// Versioned reports whether the entity keeps block-range versions.
func (e *Entity) Versioned() bool { return e.Kind == Versioned }

// Fingerprint summarises what the generated model depends on (the scan order and the column
// types); generated code records it, and the handler refuses to start on a mismatch, which means
// the schema was not regenerated after the ABIs or entities.graphql changed.
func (e *Entity) Fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%d", e.Name, e.Table, e.Kind)
	for _, c := range e.Columns {
		fmt.Fprintf(&b, "|%s:%s:%s:%s:%v:%v", c.Name, c.SQL, c.SQLType, c.Type, c.List, c.Nullable)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

func (c *Catalog) add(e *Entity) error {
	if c.byName == nil {
		c.byName = map[string]*Entity{}
	}
	if _, dup := c.byName[e.Name]; dup {
		return fmt.Errorf("two entities are called %s", e.Name)
	}
	c.byName[e.Name] = e
	c.Entities = append(c.Entities, e)
	return nil
}

func (e *Entity) addField(f *Field) error {
	if e.fields == nil {
		e.fields = map[string]*Field{}
	}
	if _, dup := e.fields[f.Name]; dup {
		return fmt.Errorf("%s: two fields are called %s", e.Name, f.Name)
	}
	e.fields[f.Name] = f
	e.Fields = append(e.Fields, f)
	return nil
}

// addColumn adds a column to the scan list, or returns the one already there.
func (e *Entity) addColumn(c *Column) *Column {
	if e.cols == nil {
		e.cols = map[string]*Column{}
	}
	if old, ok := e.cols[c.Name]; ok {
		return old
	}
	e.cols[c.Name] = c
	e.Columns = append(e.Columns, c)
	return c
}
