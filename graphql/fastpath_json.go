package graphql

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// The direct path's request decoding: what encoding/json (with UseNumber, as gqlgen's transport
// decodes) gives for the common request bodies, without its reflection. decodeParams reads the
// usual shape, {"query": "...", "variables": {...}, "operationName": ...}, and returns false for
// anything else (other keys or spellings, \u escapes, invalid UTF-8, deep nesting, malformed
// JSON); the caller then decodes with encoding/json, so the result is always encoding/json's.

// decodeParams decodes a request body into p; false when encoding/json must do it.
func decodeParams(body []byte, p *gql.RawParams) bool {
	d := jsonScanner{b: body}
	if !d.byte('{') {
		return false
	}
	var seen [4]bool
	if d.peek() == '}' {
		d.i++
		return true
	}
	for {
		key, ok := d.rawString()
		if !ok || !d.byte(':') {
			return false
		}
		k := -1
		switch string(key) { // no allocation: the compiler compares in place
		case "query":
			k = 0
		case "operationName":
			k = 1
		case "variables":
			k = 2
		case "extensions":
			k = 3
		}
		if k < 0 || seen[k] {
			return false
		}
		seen[k] = true
		v, ok := d.value(0)
		if !ok {
			return false
		}
		switch x := v.(type) {
		case nil:
		case string:
			switch k {
			case 0:
				p.Query = x
			case 1:
				p.OperationName = x
			default:
				return false
			}
		case map[string]any:
			switch k {
			case 2:
				p.Variables = x
			case 3:
				p.Extensions = x
			default:
				return false
			}
		default:
			return false
		}
		switch d.next() {
		case ',':
		case '}':
			return true // what follows the object is not read, as json.Decoder.Decode
		default:
			return false
		}
	}
}

// maxJSONDepth bounds the nesting decodeParams follows (encoding/json allows 10,000).
const maxJSONDepth = 64

type jsonScanner struct {
	b []byte
	i int
}

func (d *jsonScanner) skipSpace() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next byte after spaces (0 at the end).
func (d *jsonScanner) peek() byte {
	d.skipSpace()
	if d.i == len(d.b) {
		return 0
	}
	return d.b[d.i]
}

// next consumes and returns the next byte after spaces.
func (d *jsonScanner) next() byte {
	c := d.peek()
	if c != 0 {
		d.i++
	}
	return c
}

func (d *jsonScanner) byte(c byte) bool { return d.next() == c }

func (d *jsonScanner) literal(s string) bool {
	if !bytes.HasPrefix(d.b[d.i:], []byte(s)) {
		return false
	}
	d.i += len(s)
	return true
}

// value reads any JSON value as encoding/json decodes it into an any with UseNumber.
func (d *jsonScanner) value(depth int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	switch d.peek() {
	case '{':
		d.i++
		m := map[string]any{}
		if d.peek() == '}' {
			d.i++
			return m, true
		}
		for {
			k, ok := d.string()
			if !ok || !d.byte(':') {
				return nil, false
			}
			if m[k], ok = d.value(depth + 1); !ok {
				return nil, false
			}
			switch d.next() {
			case ',':
			case '}':
				return m, true
			default:
				return nil, false
			}
		}
	case '[':
		d.i++
		list := []any{}
		if d.peek() == ']' {
			d.i++
			return list, true
		}
		for {
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			list = append(list, v)
			switch d.next() {
			case ',':
			case ']':
				return list, true
			default:
				return nil, false
			}
		}
	case '"':
		return d.string()
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	return d.number()
}

// number reads a number as a json.Number, checking JSON's grammar.
func (d *jsonScanner) number() (any, bool) {
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.b) && d.b[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return json.Number(d.b[start:d.i]), true
}

// rawString returns a string's bytes when it has no escapes (object keys).
func (d *jsonScanner) rawString() ([]byte, bool) {
	if !d.byte('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return d.b[start : d.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		d.i++
	}
	return nil, false
}

// string reads a string, decoding the escapes other than \u; false for \u escapes (whose
// surrogate rules are encoding/json's to apply), control characters and invalid UTF-8.
func (d *jsonScanner) string() (string, bool) {
	if d.peek() != '"' {
		return "", false
	}
	d.i++
	start := d.i
	var out []byte // set at the first escape
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if out != nil {
				s = append(out, s...)
			}
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return "", false
			}
			var r byte
			switch d.b[d.i+1] {
			case '"', '\\', '/':
				r = d.b[d.i+1]
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			default:
				return "", false
			}
			out = append(append(out, d.b[start:d.i]...), r)
			d.i += 2
			start = d.i
			continue
		}
		d.i++
	}
	return "", false
}

// coerceVariables is validator.VariableValues for the common case, where every variable is a
// scalar other than Int, Float and Boolean (ID, String, and the custom scalars such as Bytes and
// BigInt), given as a string or null or left out with no default: gqlparser then keeps the value
// as it is. Anything else goes to VariableValues itself.
func coerceVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(op.VariableDefinitions))
	for _, v := range op.VariableDefinitions {
		t := v.Type
		def := schema.Types[t.NamedType]
		if t.Elem != nil || def == nil || def.Kind != ast.Scalar || v.DefaultValue != nil {
			return validator.VariableValues(schema, op, vars)
		}
		switch t.NamedType {
		case "Int", "Float", "Boolean":
			return validator.VariableValues(schema, op, vars)
		}
		val, has := vars[v.Variable]
		switch val.(type) {
		case string:
			out[v.Variable] = val
		case nil:
			if t.NonNull {
				return validator.VariableValues(schema, op, vars) // its error
			}
			if has {
				out[v.Variable] = nil
			}
		default:
			return validator.VariableValues(schema, op, vars)
		}
	}
	return out, nil
}
