package model

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// Bytes is TheGraph's Bytes: a byte string, in JSON a 0x-prefixed lower-case hex string. Input may
// omit the 0x and use upper-case digits.
type Bytes []byte

// MarshalGQL writes "0x…".
func (b Bytes) MarshalGQL(w io.Writer) {
	buf := make([]byte, 4+2*len(b))
	buf[0], buf[1], buf[2] = '"', '0', 'x'
	hex.Encode(buf[3:], b)
	buf[len(buf)-1] = '"'
	w.Write(buf) //nolint:errcheck // gqlgen's Marshaler has no error path
}

// UnmarshalGQL reads a hex string.
func (b *Bytes) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return Errorf("Bytes must be a hex string, got %s", describe(v))
	}
	out, err := ParseBytes(s)
	if err != nil {
		return err
	}
	*b = out
	return nil
}

// ParseBytes parses a hex string with or without 0x.
func ParseBytes(s string) (Bytes, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	out, err := hex.DecodeString(h)
	if err != nil {
		return nil, Errorf("invalid Bytes %q: want an even number of hex digits, with or without 0x", clip(s))
	}
	return out, nil
}

// String returns the 0x-hex form.
func (b Bytes) String() string { return "0x" + hex.EncodeToString(b) }

// BigInt is TheGraph's BigInt: a whole number of any size, in JSON a decimal string. It holds the
// decimal text as read from Postgres (numeric::text); input may also be a JSON number.
type BigInt string

var bigIntRE = regexp.MustCompile(`^-?[0-9]+$`)

// MarshalGQL writes the quoted decimal.
func (n BigInt) MarshalGQL(w io.Writer) { writeQuoted(w, string(n)) }

// UnmarshalGQL reads a decimal string or a whole number.
func (n *BigInt) UnmarshalGQL(v any) error {
	s, err := numberText(v, "BigInt")
	if err != nil {
		return err
	}
	if !bigIntRE.MatchString(s) || len(s) > 100 {
		return Errorf("invalid BigInt %q: want a whole number in decimal", clip(s))
	}
	*n = BigInt(s)
	return nil
}

// Int returns the value as a big.Int.
func (n BigInt) Int() *big.Int {
	v, ok := new(big.Int).SetString(string(n), 10)
	if !ok {
		return new(big.Int)
	}
	return v
}

// Scan lets pgx read an int8 or a numeric::text into a BigInt.
func (n *BigInt) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*n = BigInt(v)
	case int64:
		*n = BigInt(strconv.FormatInt(v, 10))
	case []byte:
		*n = BigInt(v)
	case nil:
		*n = ""
	default:
		return fmt.Errorf("cannot scan %T into BigInt", src)
	}
	return nil
}

// BigDecimal is TheGraph's BigDecimal: a decimal number of any size and precision, in JSON a string.
type BigDecimal string

var bigDecimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// MarshalGQL writes the quoted decimal.
func (d BigDecimal) MarshalGQL(w io.Writer) { writeQuoted(w, string(d)) }

// UnmarshalGQL reads a decimal string or a number.
func (d *BigDecimal) UnmarshalGQL(v any) error {
	s, err := numberText(v, "BigDecimal")
	if err != nil {
		return err
	}
	if !bigDecimalRE.MatchString(s) || len(s) > 200 {
		return Errorf("invalid BigDecimal %q: want a decimal number", clip(s))
	}
	*d = BigDecimal(s)
	return nil
}

// Int8 is TheGraph's Int8: a 64-bit signed integer, in JSON a decimal string (as graph-node writes
// it); input may be a string or a number.
type Int8 int64

// MarshalGQL writes the quoted decimal.
func (i Int8) MarshalGQL(w io.Writer) { writeQuoted(w, strconv.FormatInt(int64(i), 10)) }

// UnmarshalGQL reads a decimal string or a whole number.
func (i *Int8) UnmarshalGQL(v any) error {
	s, err := numberText(v, "Int8")
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Errorf("invalid Int8 %q: want a whole number between -2^63 and 2^63-1", clip(s))
	}
	*i = Int8(n)
	return nil
}

// numberText accepts a string or a JSON number (json.Number, int64 from a literal, an integral
// float64) and returns its text.
func numberText(v any, scalar string) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return x.String(), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", Errorf("%s must be a string or a number, got %s", scalar, describe(v))
}

func writeQuoted(w io.Writer, s string) {
	buf := make([]byte, 0, len(s)+2)
	buf = append(buf, '"')
	buf = append(buf, s...)
	buf = append(buf, '"')
	w.Write(buf) //nolint:errcheck // gqlgen's Marshaler has no error path
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// clip shortens a bad input for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
