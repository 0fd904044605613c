package graphql

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// TestDecodeParams: whenever decodeParams decodes a body, it gives what encoding/json gives (as
// gqlgen's transport decodes, with UseNumber); the bodies it declines are left to encoding/json.
func TestDecodeParams(t *testing.T) {
	t.Parallel()
	bodies := []struct {
		body string
		mine bool // decodeParams should decode it itself
	}{
		{`{"query":"{ transfers { id } }"}`, true},
		{` { "query" : "query($id: ID!) {\n  transfer(id: $id) { id }\n}" , "variables" : {"id":"0x01"} } trailing`, true},
		{`{"query":"q","variables":{"a":[1,-2.5e3,0,"x",true,false,null,{"b":{}}],"c":"\"\\\/\b\f\n\r\t"},"operationName":"Op"}`, true},
		{`{"query":"q","variables":null,"operationName":null,"extensions":null}`, true},
		{`{"query":"q","extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`, true},
		{`{"variables":{"k":"v","k":"w"},"query":"q"}`, true},
		{`{"query":"Ünïcode ✓","variables":{"é":"ü"}}`, true},
		{`{}`, true},
		{`{"query":null}`, true},
		{`{"Query":"q"}`, false},             // encoding/json matches keys without case
		{`{"query":"q","query":"r"}`, false}, // the last wins
		{`{"query":"\u0041"}`, false},
		{`{"query":"a\u00e9"}`, false},
		{"{\"query\":\"\xff\"}", false},
		{"{\"query\":\"a\tb\"}", false},
		{`{"query":"q","variables":[]}`, false},
		{`{"query":5}`, false},
		{`{"query":"q","variables":{"n":01}}`, false},
		{`{"query":"q","variables":{"n":1.}}`, false},
		{`{"query":"q","variables":{"n":-}}`, false},
		{`{"query":"q","variables":{"t":tru}}`, false},
		{`{"query":"q",}`, false},
		{`{"query":"q"`, false},
		{`[]`, false},
		{``, false},
		{`{"query":"q","other":1}`, false},
	}
	for _, c := range bodies {
		var mine, want gql.RawParams
		ok := decodeParams([]byte(c.body), &mine)
		if ok != c.mine {
			t.Errorf("%s: decoded %v, want %v", c.body, ok, c.mine)
		}
		if !ok {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(c.body)))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Errorf("%s: encoding/json fails (%v) where decodeParams decodes", c.body, err)
			continue
		}
		if !reflect.DeepEqual(mine, want) {
			t.Errorf("%s:\n got  %#v\n want %#v", c.body, mine, want)
		}
	}
}

// TestCoerceVariables: coerceVariables gives what gqlparser's VariableValues gives, errors
// included.
func TestCoerceVariables(t *testing.T) {
	t.Parallel()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
scalar Bytes
enum Dir { asc desc }
input F { a: String }
type Query { f(a: ID, b: String, c: Bytes, d: Int, e: Dir, g: F, h: [ID!], i: Boolean): Int }`})
	docs := []string{
		`query($a: ID!, $b: String, $c: Bytes) { f(a: $a, b: $b, c: $c) }`,
		`query($a: ID, $c: Bytes!) { f(a: $a, c: $c) }`,
		`query($d: Int, $e: Dir, $g: F, $h: [ID!], $i: Boolean) { f(d: $d, e: $e, g: $g, h: $h, i: $i) }`,
		`query($b: String = "x") { f(b: $b) }`,
	}
	varSets := []map[string]any{
		nil,
		{"a": "1", "b": "two", "c": "0x03"},
		{"a": nil, "b": nil, "c": nil},
		{"a": json.Number("5"), "c": true},
		{"c": "0x01", "extra": "x"},
		{"d": json.Number("7"), "e": "asc", "g": map[string]any{"a": "z"}, "h": []any{"1"}, "i": true},
		{"d": "x", "e": "up", "g": map[string]any{"b": 1}},
	}
	for _, src := range docs {
		doc, errs := gqlparser.LoadQueryWithRules(schema, src, nil)
		if errs != nil {
			t.Fatal(errs)
		}
		op := doc.Operations[0]
		for _, vars := range varSets {
			got, gotErr := coerceVariables(schema, op, vars)
			want, wantErr := validator.VariableValues(schema, op, vars)
			if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
				t.Errorf("%s with %v:\n got  %#v, %v\n want %#v, %v", src, vars, got, gotErr, want, wantErr)
			}
		}
	}
}

// TestAppendQuoted: strings are written as gqlgen's MarshalString writes them.
func TestAppendQuoted(t *testing.T) {
	t.Parallel()
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\nret\r", "\x00\x01\x1f\x7f", "Ünïcode ✓ 🚀", "\xff\xfe invalid", string(all)} {
		var want bytes.Buffer
		gql.MarshalString(s).MarshalGQL(&want)
		if got := appendQuoted([]byte("x"), s); !bytes.Equal(got[1:], want.Bytes()) {
			t.Errorf("%q:\n got  %s\n want %s", s, got[1:], want.Bytes())
		}
		if got := appendQuoted(nil, []byte(s)); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%q as bytes:\n got  %s\n want %s", s, got, want.Bytes())
		}
	}
}

// TestAppendHexDigits: the four-bytes-at-a-time encoding is encoding/hex's, at every length.
func TestAppendHexDigits(t *testing.T) {
	t.Parallel()
	src := make([]byte, 100)
	for i := range src {
		src[i] = byte(i*37 + i/3)
	}
	src[0], src[1], src[2], src[3], src[4] = 0x00, 0xff, 0x0f, 0xf0, 0x9a
	for n := range len(src) + 1 {
		if got, want := string(appendHexDigits([]byte("x"), src[:n])), "x"+hex.EncodeToString(src[:n]); got != want {
			t.Fatalf("length %d:\n got  %s\n want %s", n, got, want)
		}
	}
}
