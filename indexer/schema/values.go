package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/jackc/pgx/v5/pgtype"
)

// PGValue converts a decoded parameter value (as returned by Decode) to the value pgx writes into
// the column.
func (c *Column) PGValue(v any) (any, error) {
	if c.Hashed {
		h, ok := v.(common.Hash)
		if !ok {
			return nil, fmt.Errorf("column %s: want topic hash, got %T", c.Name, v)
		}
		return h.Bytes(), nil
	}
	if c.SQLType == "jsonb" {
		b, err := json.Marshal(jsonValue(reflect.ValueOf(v)))
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		return b, nil
	}
	switch c.typ.T {
	case abi.SliceTy, abi.ArrayTy:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, fmt.Errorf("column %s: want array, got %T", c.Name, v)
		}
		out := make([]any, rv.Len())
		for i := range out {
			e, err := scalarPG(*c.typ.Elem, rv.Index(i).Interface())
			if err != nil {
				return nil, fmt.Errorf("column %s[%d]: %w", c.Name, i, err)
			}
			out[i] = e
		}
		return typedSlice(c.typ.Elem.T, out), nil
	}
	e, err := scalarPG(c.typ, v)
	if err != nil {
		return nil, fmt.Errorf("column %s: %w", c.Name, err)
	}
	return e, nil
}

// typedSlice turns []any into a concretely typed slice so pgx encodes a Postgres array.
func typedSlice(t byte, in []any) any {
	switch t {
	case abi.IntTy, abi.UintTy:
		out := make([]pgtype.Numeric, len(in))
		for i, v := range in {
			out[i] = v.(pgtype.Numeric)
		}
		return out
	case abi.BoolTy:
		out := make([]bool, len(in))
		for i, v := range in {
			out[i] = v.(bool)
		}
		return out
	case abi.StringTy:
		out := make([]string, len(in))
		for i, v := range in {
			out[i] = v.(string)
		}
		return out
	default:
		out := make([][]byte, len(in))
		for i, v := range in {
			out[i] = v.([]byte)
		}
		return out
	}
}

func scalarPG(t abi.Type, v any) (any, error) {
	switch t.T {
	case abi.IntTy, abi.UintTy:
		b := ToBig(v)
		if b == nil {
			return nil, fmt.Errorf("want integer, got %T", v)
		}
		return pgtype.Numeric{Int: b, Valid: true}, nil
	case abi.BoolTy:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want bool, got %T", v)
		}
		return b, nil
	case abi.StringTy:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want string, got %T", v)
		}
		return s, nil
	case abi.AddressTy:
		a, ok := v.(common.Address)
		if !ok {
			return nil, fmt.Errorf("want address, got %T", v)
		}
		return a.Bytes(), nil
	case abi.BytesTy:
		b, ok := v.([]byte)
		if !ok {
			return nil, fmt.Errorf("want bytes, got %T", v)
		}
		return b, nil
	case abi.FixedBytesTy, abi.HashTy, abi.FunctionTy:
		return byteArray(v)
	}
	return nil, fmt.Errorf("unsupported ABI type %s", t.String())
}

func byteArray(v any) ([]byte, error) {
	if h, ok := v.(common.Hash); ok {
		return h.Bytes(), nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Array || rv.Type().Elem().Kind() != reflect.Uint8 {
		return nil, fmt.Errorf("want byte array, got %T", v)
	}
	out := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(out), rv)
	return out, nil
}

// ToBig converts any integer value go-ethereum's ABI decoder produces (*big.Int, int8..int64,
// uint8..uint64) to a *big.Int; it returns nil for anything else.
func ToBig(v any) *big.Int {
	switch x := v.(type) {
	case *big.Int:
		return x
	case int8:
		return big.NewInt(int64(x))
	case int16:
		return big.NewInt(int64(x))
	case int32:
		return big.NewInt(int64(x))
	case int64:
		return big.NewInt(x)
	case uint8:
		return new(big.Int).SetUint64(uint64(x))
	case uint16:
		return new(big.Int).SetUint64(uint64(x))
	case uint32:
		return new(big.Int).SetUint64(uint64(x))
	case uint64:
		return new(big.Int).SetUint64(x)
	}
	return nil
}

// ArgValue normalises a decoded value for Event.Args: every integer becomes a *big.Int (also
// inside slices and arrays, which become []*big.Int); other values are returned unchanged.
func (c *Column) ArgValue(v any) any {
	if c.Hashed {
		return v
	}
	switch c.typ.T {
	case abi.IntTy, abi.UintTy:
		return ToBig(v)
	case abi.SliceTy, abi.ArrayTy:
		if c.typ.Elem.T == abi.IntTy || c.typ.Elem.T == abi.UintTy {
			rv := reflect.ValueOf(v)
			out := make([]*big.Int, rv.Len())
			for i := range out {
				out[i] = ToBig(rv.Index(i).Interface())
			}
			return out
		}
	}
	return v
}

// jsonValue renders tuples and nested arrays for jsonb: addresses and bytes as 0x-hex strings,
// integers as decimal strings (JSON numbers lose precision in most clients), structs as objects
// keyed by their Go field names.
func jsonValue(rv reflect.Value) any {
	if !rv.IsValid() {
		return nil
	}
	if rv.Kind() == reflect.Interface || rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
	}
	switch v := rv.Interface().(type) {
	case common.Address:
		return v.Hex()
	case common.Hash:
		return v.Hex()
	case *big.Int:
		return v.String()
	case []byte:
		return hexutil.Encode(v)
	}
	if b := ToBig(rv.Interface()); b != nil {
		return b.String()
	}
	switch rv.Kind() {
	case reflect.Interface, reflect.Pointer:
		return jsonValue(rv.Elem())
	case reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b, _ := byteArray(rv.Interface())
			return hexutil.Encode(b)
		}
		fallthrough
	case reflect.Slice:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = jsonValue(rv.Index(i))
		}
		return out
	case reflect.Struct:
		out := make(map[string]any, rv.NumField())
		for i := 0; i < rv.NumField(); i++ {
			f := rv.Type().Field(i)
			tag := f.Tag.Get("json")
			name := f.Name
			if tag != "" && tag != "-" {
				name = tag
			}
			out[name] = jsonValue(rv.Field(i))
		}
		return out
	}
	return rv.Interface()
}
