package query

import (
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// operand converts a filter value for column c into a placeholder. gqlgen has already checked the
// value against the field's GraphQL type; this maps it to the column's Postgres type. widen reports
// a BigInt beyond int8's range compared with an int8 column: the column must then be cast to
// numeric (correct, and never indexed; such a value matches nothing or everything anyway).
func (b *builder) operand(c *catalog.Column, v any) (p string, widen bool, err error) {
	v = unptr(v)
	base := strings.TrimSuffix(c.SQLType, "[]")
	switch base {
	case "bytea":
		bs, ok := toBytes(v)
		if !ok {
			return "", false, badValue(c, v)
		}
		return b.arg(bs, "bytea"), false, nil
	case "numeric":
		s, ok := numberText(v)
		if !ok {
			return "", false, badValue(c, v)
		}
		return b.arg(s, "numeric"), false, nil
	case "int8", "int4", "int2":
		s, ok := numberText(v)
		if !ok {
			return "", false, badValue(c, v)
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return b.arg(n, "int8"), false, nil
		}
		if _, ok := new(big.Float).SetString(s); !ok {
			return "", false, badValue(c, v)
		}
		return b.arg(s, "numeric"), true, nil
	case "text":
		s, ok := v.(string)
		if !ok {
			return "", false, badValue(c, v)
		}
		return b.arg(s, "text"), false, nil
	case "boolean":
		x, ok := v.(bool)
		if !ok {
			return "", false, badValue(c, v)
		}
		return b.arg(x, "boolean"), false, nil
	}
	return "", false, model.Errorf("%s cannot be filtered", c.JSONName)
}

// listOperand converts a list value (for _in, _not_in and list columns) into an array parameter.
// Integers beyond int8 are dropped for int8 columns: they cannot equal any stored value.
func (b *builder) listOperand(c *catalog.Column, v any) (string, error) {
	items, ok := toSlice(v)
	if !ok {
		return "", badValue(c, v)
	}
	for i := range items {
		items[i] = unptr(items[i])
	}
	base := strings.TrimSuffix(c.SQLType, "[]")
	switch base {
	case "bytea":
		out := make([][]byte, 0, len(items))
		for _, it := range items {
			bs, ok := toBytes(it)
			if !ok {
				return "", badValue(c, it)
			}
			out = append(out, bs)
		}
		return b.arg(out, "bytea[]"), nil
	case "numeric", "text":
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := numberText(it)
			if base == "text" {
				s, ok = it.(string)
			}
			if !ok {
				return "", badValue(c, it)
			}
			out = append(out, s)
		}
		return b.arg(out, base+"[]"), nil
	case "int8", "int4", "int2":
		out := make([]int64, 0, len(items))
		for _, it := range items {
			s, ok := numberText(it)
			if !ok {
				return "", badValue(c, it)
			}
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				out = append(out, n)
			}
		}
		return b.arg(out, "int8[]"), nil
	case "boolean":
		out := make([]bool, 0, len(items))
		for _, it := range items {
			x, ok := it.(bool)
			if !ok {
				return "", badValue(c, it)
			}
			out = append(out, x)
		}
		return b.arg(out, "boolean[]"), nil
	}
	return "", model.Errorf("%s cannot be filtered", c.JSONName)
}

func badValue(c *catalog.Column, v any) error {
	return model.Errorf("invalid value for %s: %T", c.JSONName, v)
}

// toBytes accepts Bytes (what gqlgen hands over) or a hex string (from a cursor or an ID).
func toBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case model.Bytes:
		return x, true
	case []byte:
		return x, true
	case string:
		bs, err := model.ParseBytes(x)
		return bs, err == nil
	}
	return nil, false
}

// numberText returns the decimal text of any numeric input.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case model.BigInt:
		return string(x), true
	case model.BigDecimal:
		return string(x), true
	case model.Int8:
		return strconv.FormatInt(int64(x), 10), true
	case int:
		return strconv.Itoa(x), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case string:
		return x, x != ""
	}
	return "", false
}

// unptr returns what a pointer points to (gqlgen hands nullable input fields over as pointers),
// nil for a nil pointer, and any other value as is.
func unptr(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return v
	}
	if rv.IsNil() {
		return nil
	}
	return rv.Elem().Interface()
}

// toSlice turns any slice gqlgen produces ([]model.Bytes, []string, []any ...) into []any.
func toSlice(v any) ([]any, bool) {
	if v == nil {
		return nil, false
	}
	if s, ok := v.([]any); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil, false
	}
	// A Bytes value is itself a slice (of bytes), never a list here.
	if rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}
