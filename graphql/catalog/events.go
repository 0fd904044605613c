package catalog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/rahataid/rahat/indexer/schema"
)

// ABISource resolves a contract name to its ABI; contracts.ABI is the one rahat uses.
type ABISource func(name string) (abi.ABI, error)

// The fields every event entity has besides its parameters, as TheGraph's scaffolding names them
// (contractAddress and eventType are ours).
var eventMetaFields = []string{"id", "blockNumber", "blockTimestamp", "transactionHash", "contractAddress", "eventType"}

// eventEntities builds one entity per non-anonymous event of every contract, from the same
// indexer/schema tables the indexer creates, so table and column names cannot disagree. Where
// the same event name occurs in two contracts (or matches a derived entity), the type name is
// prefixed with the contract's name, as TheGraph's scaffolding does.
func eventEntities(contracts []string, abis ABISource, taken map[string]bool) ([]*Entity, error) {
	var tables []*schema.Table
	count := map[string]int{}
	for _, name := range contracts {
		a, err := abis(name)
		if err != nil {
			return nil, fmt.Errorf("ABI of %s: %w", name, err)
		}
		ts, err := schema.ForContract(name, &a)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			count[t.Event]++
		}
		tables = append(tables, ts...)
	}
	var out []*Entity
	for _, t := range tables {
		name := t.Event
		if count[t.Event] > 1 || taken[name] {
			name = t.Contract + t.Event
		}
		e, err := eventEntity(name, t)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func eventEntity(name string, t *schema.Table) (*Entity, error) {
	if !validName(name) {
		return nil, fmt.Errorf("event %s.%s: %q is not a GraphQL name", t.Contract, t.Event, name)
	}
	e := &Entity{
		Name:     name,
		Doc:      fmt.Sprintf("%s emitted by %s (%s).", t.RawEvent, t.Contract, t.Signature),
		Table:    t.Name,
		Kind:     Event,
		Contract: t.Contract,
		Event:    t.Event,
		RawEvent: t.RawEvent,
		Key:      []string{"block_number", "log_index"},
		ID: IDSpec{Parts: []IDPart{
			{Column: "tx_hash", Width: 32, Enc: Raw},
			{Column: "log_index", Width: 4, Enc: LE32},
		}},
		Timestamp: "block_timestamp",
		Single:    SingleName(name),
		Plural:    PluralName(name),
	}
	if err := e.addField(&Field{Name: "id", Doc: "Transaction hash and log index (4 bytes, little-endian), as TheGraph's concatI32.", Type: Bytes, IsID: true}); err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, n := range eventMetaFields {
		used[n] = true
	}
	for i, c := range t.Params() {
		fname := c.Param
		if fname == "" || fname == "arg"+strconv.Itoa(i) {
			// Unnamed in the ABI (go-ethereum calls it arg<i>): TheGraph's name is param<i>.
			fname = "param" + strconv.Itoa(i)
		}
		if fname == "id" {
			fname = "internal_id" // as TheGraph's scaffolding renames it
		}
		if used[fname] {
			fname += "_" + strconv.Itoa(i)
		}
		if !validName(fname) {
			return nil, fmt.Errorf("event %s.%s: parameter %q is not a GraphQL name", t.Contract, t.Event, fname)
		}
		used[fname] = true
		typ, list, err := abiScalar(c)
		if err != nil {
			return nil, fmt.Errorf("event %s.%s parameter %s: %w", t.Contract, t.Event, fname, err)
		}
		doc := c.ABIType
		if c.Indexed {
			doc += ", indexed"
		}
		if c.Hashed {
			doc += " (the Keccak-256 of the value: an indexed dynamic parameter is not in the log)"
		}
		col := e.addColumn(&Column{Name: c.Name, SQLType: c.SQLType, Type: typ, List: list, GoName: GoName(fname), JSONName: fname})
		f := &Field{Name: fname, Doc: doc, Type: typ, List: list, Col: col, Sum: !list && (typ == BigInt || typ == Int)}
		if err := e.addField(f); err != nil {
			return nil, err
		}
	}
	meta := []struct {
		field, col, sqlType string
		typ                 Scalar
		doc                 string
	}{
		{"blockNumber", "block_number", "int8", BigInt, "The block that holds the event."},
		{"blockTimestamp", "block_timestamp", "int8", BigInt, "The block's time, unix seconds."},
		{"transactionHash", "tx_hash", "bytea", Bytes, "The transaction that emitted the event."},
		{"contractAddress", "contract", "bytea", Bytes, "The contract that emitted the event."},
	}
	for _, m := range meta {
		col := e.addColumn(&Column{Name: m.col, SQLType: m.sqlType, Type: m.typ, GoName: GoName(m.field), JSONName: m.field})
		if err := e.addField(&Field{Name: m.field, Doc: m.doc, Type: m.typ, Col: col}); err != nil {
			return nil, err
		}
	}
	e.addColumn(&Column{Name: "log_index", SQLType: "int4", Type: Int, GoName: "Col_log_index", JSONName: "-"})
	if err := e.addField(&Field{Name: "eventType", Doc: "The event's name.", Type: String, Const: t.RawEvent}); err != nil {
		return nil, err
	}
	return e, nil
}

// abiScalar maps a parameter to TheGraph's scalar: addresses and bytes to Bytes, integers up to
// 32 bits signed (24 unsigned) to Int and wider ones to BigInt, bool to Boolean, string to String;
// one-dimensional arrays to lists; tuples and nested arrays (jsonb) to their JSON text.
func abiScalar(c schema.Column) (Scalar, bool, error) {
	if c.Hashed {
		return Bytes, false, nil
	}
	if c.SQLType == "jsonb" {
		return String, false, nil
	}
	typ := c.ABIType
	list := false
	if i := strings.LastIndexByte(typ, '['); i >= 0 {
		typ, list = typ[:i], true
	}
	switch {
	case typ == "address" || typ == "function" || strings.HasPrefix(typ, "bytes"):
		return Bytes, list, nil
	case typ == "bool":
		return Boolean, list, nil
	case typ == "string":
		return String, list, nil
	case strings.HasPrefix(typ, "uint"):
		if bits(typ[4:]) <= 24 {
			return Int, list, nil
		}
		return BigInt, list, nil
	case strings.HasPrefix(typ, "int"):
		if bits(typ[3:]) <= 32 {
			return Int, list, nil
		}
		return BigInt, list, nil
	}
	return "", false, fmt.Errorf("unsupported ABI type %s", c.ABIType)
}

func bits(s string) int {
	if s == "" {
		return 256
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 256
	}
	return n
}
