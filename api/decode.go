package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// decodeJSON decodes a request body into v: the media type must be JSON,
// unknown fields are refused, exactly one value is allowed, and type errors name the field.
func decodeJSON(body []byte, contentType string, v any) *Error {
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/json" {
		return errorf(CodeUnsupportedMedia, "the body must be application/json")
	}
	if len(body) == 0 {
		return errorf(CodeInvalidRequest, "the request body is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errorf(CodeInvalidRequest, "the body must hold exactly one JSON object")
	}
	return nil
}

// readBody reads at most limit bytes; a larger body is a 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *Error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(CodeTooLarge, "the request body exceeds %d bytes", limit)
		}
		return nil, &Error{Code: CodeInvalidRequest, Message: "the request body could not be read", Err: err}
	}
	return b, nil
}

// fieldError is a decoding error that already knows its field's path (see allocationList).
type fieldError struct{ field, problem string }

func (e *fieldError) Error() string { return e.field + ": " + e.problem }

func jsonError(err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var fe *fieldError
	switch {
	case errors.As(err, &fe):
		return &Error{Code: CodeInvalidRequest, Message: fe.Error(), Details: []FieldError{{Field: fe.field, Problem: fe.problem}}}
	case errors.Is(err, io.EOF):
		return errorf(CodeInvalidRequest, "the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(CodeInvalidRequest, "malformed JSON: the body ends too early")
	case errors.As(err, &syn):
		return errorf(CodeInvalidRequest, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		field := jsonPath(typ.Field)
		if field == "" {
			return errorf(CodeInvalidRequest, "the body must be a JSON object")
		}
		return &Error{Code: CodeInvalidRequest, Message: field + ": must be " + typeName(typ.Type),
			Details: []FieldError{{Field: field, Problem: "must be " + typeName(typ.Type)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &Error{Code: CodeInvalidRequest, Message: "unknown field " + strconv.Quote(name),
			Details: []FieldError{{Field: name, Problem: "unknown field"}}}
	default:
		return &Error{Code: CodeInvalidRequest, Message: "malformed JSON", Err: err}
	}
}

// jsonPath turns encoding/json's "allocations.3.amount" into "allocations[3].amount".
func jsonPath(p string) string {
	parts := strings.Split(p, ".")
	var b strings.Builder
	for i, s := range parts {
		if _, err := strconv.Atoi(s); err == nil && i > 0 {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return "of another type"
	}
}

// fields collects field problems while a request is checked.
type fields []FieldError

func (f *fields) add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// err returns the collected problems as a 422, or nil.
func (f fields) err() *Error {
	if len(f) == 0 {
		return nil
	}
	return invalid(f...)
}

// address parses a 0x-prefixed 20-byte hex address. Mixed case must be a correct EIP-55
// checksum (a typo then cannot silently name another account); the zero address is refused.
func (f *fields) address(field, s string) common.Address {
	switch {
	case s == "":
		f.add(field, "is required")
		return common.Address{}
	case len(s) != 42 || !strings.HasPrefix(s, "0x") || !common.IsHexAddress(s):
		f.add(field, "must be a 0x-prefixed 20-byte hex address")
		return common.Address{}
	}
	a := common.HexToAddress(s)
	if body := s[2:]; body != strings.ToLower(body) && body != strings.ToUpper(body) && a.Hex() != s {
		f.add(field, "has a wrong EIP-55 checksum")
		return common.Address{}
	}
	if a == (common.Address{}) {
		f.add(field, "must not be the zero address")
	}
	return a
}

// maxAllocation is the largest amount RahatProject can hold for a beneficiary (uint128).
var maxAllocation = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// maxUint256 bounds any token amount.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// amount parses a token amount in base units: a string of decimal digits without sign or
// leading zeros, greater than zero and at most max.
func (f *fields) amount(field, s string, max *big.Int) *big.Int {
	if s == "" {
		f.add(field, "is required")
		return nil
	}
	if len(s) > 78 || strings.TrimLeft(s, "0123456789") != "" {
		f.add(field, "must be a string of decimal digits (base units, at most %d)", max)
		return nil
	}
	if len(s) > 1 && s[0] == '0' {
		f.add(field, "must not have leading zeros")
		return nil
	}
	n, _ := new(big.Int).SetString(s, 10)
	switch {
	case n.Sign() == 0:
		f.add(field, "must be greater than zero")
		return nil
	case n.Cmp(max) > 0:
		f.add(field, "must be at most %s", max)
		return nil
	}
	return n
}

// required reports an empty string field.
func (f *fields) required(field, s string) bool {
	if strings.TrimSpace(s) == "" {
		f.add(field, "is required")
		return false
	}
	return true
}
