package graphql

import (
	"encoding/json"
	"math"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// whereArg converts a raw where argument (nil when absent).
func whereArg(e *catalog.Entity, w any) (map[string]any, bool) {
	if w == nil {
		return nil, true
	}
	raw, isMap := w.(map[string]any)
	if !isMap {
		return nil, false
	}
	return typedWhere(e, raw, 0)
}

// The raw argument values of a validated operation (literals and coerced variables) converted
// to what the generated resolvers receive; false sends the field to the normal path.

func intArg(v any) (*int, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case int64:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, false
		}
		n := int(x)
		return &n, true
	case int:
		return &x, true
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return nil, false
		}
		return intArg(i)
	}
	return nil, false
}

func strArg(v any) (*string, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, v == nil
	}
	return &s, true
}

func blockArg(v any) (*model.BlockHeight, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	bh := &model.BlockHeight{}
	if h, present := m["hash"]; present && h != nil {
		if err := bh.Hash.UnmarshalGQL(h); err != nil {
			return nil, false
		}
	}
	if bh.Number, ok = intArg(m["number"]); !ok {
		return nil, false
	}
	if bh.NumberGte, ok = intArg(m["number_gte"]); !ok {
		return nil, false
	}
	return bh, true
}

// typedWhere converts a raw where argument to the values gqlgen would hand the resolver.
func typedWhere(e *catalog.Entity, raw map[string]any, depth int) (map[string]any, bool) {
	if depth > 8 {
		return nil, false
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		switch k {
		case "and", "or":
			list, ok := v.([]any)
			if !ok {
				return nil, false
			}
			items := make([]any, len(list))
			for i, it := range list {
				m, ok := it.(map[string]any)
				if !ok {
					return nil, false
				}
				if items[i], ok = typedWhere(e, m, depth+1); !ok {
					return nil, false
				}
			}
			out[k] = items
			continue
		case "_change_block":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			n, ok := intArg(m["number_gte"])
			if !ok || n == nil {
				return nil, false
			}
			out[k] = map[string]any{"number_gte": *n}
			continue
		}
		f, ok := e.Filter(k)
		if !ok {
			return nil, false
		}
		switch {
		case v == nil:
			out[k] = nil
		case f.Op == catalog.OpNested:
			m, isMap := v.(map[string]any)
			if !isMap {
				return nil, false
			}
			if out[k], ok = typedWhere(f.Field.Rel.Target, m, depth+1); !ok {
				return nil, false
			}
		case f.Op.TakesList() || f.Field.List:
			list, isList := v.([]any)
			if !isList {
				return nil, false
			}
			items := make([]any, len(list))
			for i, it := range list {
				if items[i], ok = scalarValue(f.Field, it); !ok {
					return nil, false
				}
			}
			out[k] = items
		default:
			if out[k], ok = scalarValue(f.Field, v); !ok {
				return nil, false
			}
		}
	}
	return out, true
}

func scalarValue(f *catalog.Field, v any) (any, bool) {
	typ := f.Type
	if f.Const != "" {
		typ = catalog.String
	}
	switch typ {
	case catalog.Bytes:
		var b model.Bytes
		if b.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return b, true
	case catalog.BigInt:
		var n model.BigInt
		if n.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return n, true
	case catalog.BigDecimal:
		var d model.BigDecimal
		if d.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return d, true
	case catalog.Int8:
		var i model.Int8
		if i.UnmarshalGQL(v) != nil {
			return nil, false
		}
		return i, true
	case catalog.Int:
		n, ok := intArg(v)
		if !ok || n == nil {
			return nil, false
		}
		return *n, true
	case catalog.String:
		s, ok := v.(string)
		return s, ok
	case catalog.Boolean:
		b, ok := v.(bool)
		return b, ok
	}
	return nil, false
}
