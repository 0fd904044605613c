package model

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestScalars(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	Bytes{0xAB, 0x01}.MarshalGQL(&buf)
	BigInt("-12").MarshalGQL(&buf)
	BigDecimal("1.5").MarshalGQL(&buf)
	Int8(-9).MarshalGQL(&buf)
	if got := buf.String(); got != `"0xab01""-12""1.5""-9"` {
		t.Errorf("marshal: %s", got)
	}
	ok := []struct {
		s    interface{ UnmarshalGQL(any) error }
		in   any
		want string
	}{
		{new(Bytes), "0xAB01", "0xab01"}, {new(Bytes), "ab01", "0xab01"}, {new(Bytes), "0x", "0x"},
		{new(BigInt), "123456789012345678901234567890", "123456789012345678901234567890"},
		{new(BigInt), json.Number("42"), "42"}, {new(BigInt), int64(-7), "-7"},
		{new(BigDecimal), "-1.25e3", "-1.25e3"}, {new(Int8), "9223372036854775807", "9223372036854775807"}, {new(Int8), int64(3), "3"},
	}
	for _, c := range ok {
		if err := c.s.UnmarshalGQL(c.in); err != nil {
			t.Errorf("%T %v: %v", c.s, c.in, err)
		}
	}
	bad := []struct {
		s  interface{ UnmarshalGQL(any) error }
		in any
	}{
		{new(Bytes), "0x1"}, {new(Bytes), "zz"}, {new(Bytes), 5}, {new(BigInt), "1.5"}, {new(BigInt), "0x10"}, {new(BigInt), true},
		{new(BigDecimal), "1.5.5"}, {new(Int8), "9223372036854775808"}, {new(Int8), "x"},
	}
	for _, c := range bad {
		err := c.s.UnmarshalGQL(c.in)
		if _, isUser := err.(*Error); !isUser {
			t.Errorf("%T %v: want a client error, got %v", c.s, c.in, err)
		}
	}
	if id := ConcatID([]byte{1}, LE32(258), U256("1")); len(id) != 37 || id[1] != 2 || id[2] != 1 || id[36] != 1 {
		t.Errorf("id %x", id)
	}
}
