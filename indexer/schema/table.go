package schema

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5"
)

// MetaColumns are the columns every event table starts with, in order.
var MetaColumns = []Column{
	{Name: "chain_id", SQLType: "int8", Meta: true},
	{Name: "contract", SQLType: "bytea", Meta: true},
	{Name: "block_number", SQLType: "int8", Meta: true},
	{Name: "block_hash", SQLType: "bytea", Meta: true},
	{Name: "block_timestamp", SQLType: "int8", Meta: true},
	{Name: "tx_hash", SQLType: "bytea", Meta: true},
	{Name: "tx_index", SQLType: "int4", Meta: true},
	{Name: "log_index", SQLType: "int4", Meta: true},
}

// Column is one column of an event table.
type Column struct {
	// Name is the column's (unquoted) name.
	Name string `json:"column"`
	// Param is the event parameter's name in the ABI ("" for metadata and unnamed parameters).
	Param string `json:"param,omitempty"`
	// Key is the key of the parameter in Event.Args: Param, or Name when the parameter is unnamed.
	Key string `json:"key,omitempty"`
	// ABIType is the parameter's canonical Solidity type (e.g. "uint256", "address[]").
	ABIType string `json:"abi_type,omitempty"`
	// SQLType is the column's Postgres type (e.g. "numeric", "bytea[]", "jsonb").
	SQLType string `json:"sql_type"`
	// Indexed reports an indexed event parameter (it lives in a topic and gets a B-tree index).
	Indexed bool `json:"indexed,omitempty"`
	// Hashed reports an indexed parameter of a dynamic type, stored as its 32-byte topic.
	Hashed bool `json:"hashed,omitempty"`
	// Meta reports one of MetaColumns.
	Meta bool `json:"meta,omitempty"`

	typ abi.Type
}

// Table is the event table of one event of one contract ABI.
type Table struct {
	// Name is the table's (unquoted) name.
	Name string `json:"table"`
	// Contract is the ABI name (e.g. "RahatToken").
	Contract string `json:"contract"`
	// Event is go-ethereum's unique event name (overloads get a numeric suffix).
	Event string `json:"event"`
	// RawEvent is the event's name as written in Solidity.
	RawEvent string `json:"raw_event"`
	// Signature is the canonical signature, e.g. "Transfer(address,address,uint256)".
	Signature string `json:"signature"`
	// Topic0 is the Keccak-256 of Signature, the first topic of every log of this event.
	Topic0 common.Hash `json:"topic0"`
	// Columns lists MetaColumns followed by one column per event parameter, in ABI order.
	Columns []Column `json:"columns"`

	indexed    abi.Arguments // indexed inputs renamed to their column names
	nonIndexed abi.Arguments // non-indexed inputs renamed to their column names
	params     []Column      // parameter columns in ABI order
}

// ForContracts returns the tables of every named contract (ForContract), contract by contract in
// the order given; abiOf resolves a name to its ABI (contracts.ABI for the embedded contracts).
func ForContracts(names []string, abiOf func(name string) (abi.ABI, error)) ([]*Table, error) {
	var out []*Table
	for _, name := range names {
		a, err := abiOf(name)
		if err != nil {
			return nil, fmt.Errorf("ABI of %s: %w", name, err)
		}
		ts, err := ForContract(name, &a)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// ForContract returns the tables of every non-anonymous event of a contract ABI, sorted by name.
// Anonymous events have no topic0 to route them by and are not indexed.
func ForContract(contract string, a *abi.ABI) ([]*Table, error) {
	names := make([]string, 0, len(a.Events))
	for n, ev := range a.Events {
		if !ev.Anonymous {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]*Table, 0, len(names))
	for _, n := range names {
		t, err := NewTable(contract, a.Events[n])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// NewTable builds the table description of one event.
func NewTable(contract string, ev abi.Event) (*Table, error) {
	t := &Table{
		Name:      TableName(contract, ev.Name),
		Contract:  contract,
		Event:     ev.Name,
		RawEvent:  ev.RawName,
		Signature: ev.Sig,
		Topic0:    ev.ID,
	}
	t.Columns = append(t.Columns, MetaColumns...)
	used := map[string]bool{}
	for _, c := range MetaColumns {
		used[c.Name] = true
	}
	for i, in := range ev.Inputs {
		name := Snake(in.Name)
		if name == "" || (name[0] >= '0' && name[0] <= '9') {
			name = "arg" + strconv.Itoa(i)
		}
		if used[name] {
			name = name + "_" + strconv.Itoa(i)
		}
		name = Ident(name)
		used[name] = true
		col := Column{
			Name:    name,
			Param:   in.Name,
			Key:     in.Name,
			ABIType: in.Type.String(),
			Indexed: in.Indexed,
			typ:     in.Type,
		}
		if col.Key == "" {
			col.Key = name
		}
		if in.Indexed && isDynamic(in.Type) {
			col.Hashed = true
			col.SQLType = "bytea"
		} else {
			st, err := sqlType(in.Type)
			if err != nil {
				return nil, fmt.Errorf("event %s.%s parameter %q: %w", contract, ev.Name, in.Name, err)
			}
			col.SQLType = st
		}
		renamed := in
		renamed.Name = name
		if in.Indexed {
			t.indexed = append(t.indexed, renamed)
		} else {
			t.nonIndexed = append(t.nonIndexed, renamed)
		}
		t.Columns = append(t.Columns, col)
		t.params = append(t.params, col)
	}
	return t, nil
}

// Params returns the parameter columns in ABI order.
func (t *Table) Params() []Column { return t.params }

// ColumnNames returns every column name, in table order, for CopyFrom.
func (t *Table) ColumnNames() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// Identifier returns the table's name as a pgx identifier.
func (t *Table) Identifier() pgx.Identifier { return pgx.Identifier{t.Name} }

func isDynamic(t abi.Type) bool {
	switch t.T {
	case abi.StringTy, abi.BytesTy, abi.SliceTy, abi.ArrayTy, abi.TupleTy:
		return true
	}
	return false
}

func sqlType(t abi.Type) (string, error) {
	switch t.T {
	case abi.SliceTy, abi.ArrayTy:
		switch t.Elem.T {
		case abi.SliceTy, abi.ArrayTy, abi.TupleTy:
			return "jsonb", nil
		}
		st, err := scalarSQLType(*t.Elem)
		if err != nil {
			return "", err
		}
		return st + "[]", nil
	case abi.TupleTy:
		return "jsonb", nil
	}
	return scalarSQLType(t)
}

func scalarSQLType(t abi.Type) (string, error) {
	switch t.T {
	case abi.AddressTy, abi.BytesTy, abi.FixedBytesTy, abi.HashTy, abi.FunctionTy:
		return "bytea", nil
	case abi.IntTy, abi.UintTy:
		return "numeric", nil
	case abi.BoolTy:
		return "boolean", nil
	case abi.StringTy:
		return "text", nil
	}
	return "", fmt.Errorf("unsupported ABI type %s", t.String())
}

// Decode decodes a log of this event into values keyed by column name. The log's topic0 must be
// t.Topic0; the caller routes by it.
func (t *Table) Decode(l *types.Log) (map[string]any, error) {
	if len(l.Topics) != len(t.indexed)+1 {
		return nil, fmt.Errorf("decoding %s: log has %d topics, want %d", t.Signature, len(l.Topics), len(t.indexed)+1)
	}
	out := make(map[string]any, len(t.params))
	if len(t.nonIndexed) > 0 {
		if err := t.nonIndexed.UnpackIntoMap(out, l.Data); err != nil {
			return nil, fmt.Errorf("decoding %s data: %w", t.Signature, err)
		}
	}
	if len(t.indexed) > 0 {
		if err := abi.ParseTopicsIntoMap(out, t.indexed, l.Topics[1:]); err != nil {
			return nil, fmt.Errorf("decoding %s topics: %w", t.Signature, err)
		}
	}
	return out, nil
}
