package graphql

import (
	"encoding/binary"
	"math/big"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// The fast path's JSON, appended to a buffer. Each value is written as the generated model's
// field would hold it after pgx's scan and as gqlgen's marshaler for its type writes it: Bytes as
// "0x" and lower-case hex, BigInt, BigDecimal and Int8 as quoted decimals, Int as a number,
// String with gqlgen's escaping. Raw rows are written straight from the wire format Postgres
// sent; a value of a type or format not listed here returns false, and the request goes to
// gqlgen, which then answers (or reports the error) as usual.

// appendRawRow writes one object from a raw row: the selected fields, under their aliases, in
// selection order.
func appendRawRow(buf []byte, cols []column, fds []pgconn.FieldDescription, vals [][]byte) ([]byte, bool) {
	buf = append(buf, '{')
	ok := true
	for i := range cols {
		c := &cols[i]
		buf = append(buf, c.key...)
		switch {
		case c.fixed != nil:
			buf = append(buf, c.fixed...)
		case c.id != nil:
			buf, ok = appendRawID(buf, c.id, fds, vals)
		case c.idx >= len(vals):
			return buf, false
		default:
			buf, ok = appendRawValue(buf, c.field, &fds[c.idx], vals[c.idx])
		}
		if !ok {
			return buf, false
		}
	}
	return append(buf, '}'), true
}

// appendRawValue writes the value of field f from its column's raw value v.
func appendRawValue(buf []byte, f *catalog.Field, fd *pgconn.FieldDescription, v []byte) ([]byte, bool) {
	col := f.Col
	if v == nil {
		// A NULL fits a nullable field read into a pointer; anything else is gqlgen's to report.
		if col.Nullable && f.Nullable {
			return append(buf, "null"...), true
		}
		return buf, false
	}
	if col.List {
		return buf, false
	}
	switch col.Type {
	case catalog.Bytes:
		if fd.DataTypeOID != pgtype.ByteaOID || fd.Format != pgtype.BinaryFormatCode {
			return buf, false
		}
		return appendHex(buf, v), true
	case catalog.BigInt, catalog.BigDecimal:
		// BigInt's and BigDecimal's marshalers quote the text as read, without escaping.
		if isText(fd.DataTypeOID) {
			buf = append(buf, '"')
			buf = append(buf, v...)
			return append(buf, '"'), true
		}
		if col.Type == catalog.BigDecimal {
			return buf, false
		}
		n, ok := rawInt(fd, v)
		if !ok {
			return buf, false
		}
		buf = append(buf, '"')
		buf = strconv.AppendInt(buf, n, 10)
		return append(buf, '"'), true
	case catalog.Int8:
		n, ok := rawInt(fd, v)
		if !ok {
			return buf, false
		}
		buf = append(buf, '"')
		buf = strconv.AppendInt(buf, n, 10)
		return append(buf, '"'), true
	case catalog.Int:
		n, ok := rawInt(fd, v)
		if !ok {
			return buf, false
		}
		return strconv.AppendInt(buf, n, 10), true
	case catalog.String:
		if !isText(fd.DataTypeOID) {
			return buf, false
		}
		return appendQuoted(buf, v), true
	case catalog.Boolean:
		if fd.DataTypeOID != pgtype.BoolOID || len(v) != 1 {
			return buf, false
		}
		t := v[0] == 1
		if fd.Format == pgtype.TextFormatCode {
			t = v[0] == 't'
		}
		if t {
			return append(buf, "true"...), true
		}
		return append(buf, "false"...), true
	}
	return buf, false
}

// appendRawID writes an id from its parts' raw values, as the models' ID methods make it.
func appendRawID(buf []byte, parts []idPart, fds []pgconn.FieldDescription, vals [][]byte) ([]byte, bool) {
	buf = append(buf, `"0x`...)
	for _, p := range parts {
		if p.idx >= len(vals) || vals[p.idx] == nil {
			return buf, false
		}
		v, fd := vals[p.idx], &fds[p.idx]
		switch p.enc {
		case catalog.LE32:
			n, ok := rawInt(fd, v)
			if !ok {
				return buf, false
			}
			buf = appendHexDigits(buf, model.LE32(int(n)))
		case catalog.U256:
			if !isText(fd.DataTypeOID) {
				return buf, false
			}
			n, ok := new(big.Int).SetString(string(v), 10)
			if !ok {
				n = new(big.Int) // as BigInt.Int
			}
			if n.BitLen() > 256 {
				return buf, false
			}
			var b [32]byte
			buf = appendHexDigits(buf, n.FillBytes(b[:]))
		default:
			if fd.DataTypeOID != pgtype.ByteaOID || fd.Format != pgtype.BinaryFormatCode {
				return buf, false
			}
			buf = appendHexDigits(buf, v)
		}
	}
	return append(buf, '"'), true
}

// rawInt reads an integer column's raw value (binary or text).
func rawInt(fd *pgconn.FieldDescription, v []byte) (int64, bool) {
	if fd.Format == pgtype.TextFormatCode {
		switch fd.DataTypeOID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			n, err := strconv.ParseInt(string(v), 10, 64)
			return n, err == nil
		}
		return 0, false
	}
	switch {
	case fd.DataTypeOID == pgtype.Int8OID && len(v) == 8:
		return int64(binary.BigEndian.Uint64(v)), true
	case fd.DataTypeOID == pgtype.Int4OID && len(v) == 4:
		return int64(int32(binary.BigEndian.Uint32(v))), true
	case fd.DataTypeOID == pgtype.Int2OID && len(v) == 2:
		return int64(int16(binary.BigEndian.Uint16(v))), true
	}
	return 0, false
}

// isText reports the types whose raw value, in either format, is the text itself.
func isText(oid uint32) bool {
	switch oid {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		return true
	}
	return false
}

// appendHex writes Bytes as Bytes.MarshalGQL does.
func appendHex(buf, b []byte) []byte {
	buf = append(buf, `"0x`...)
	buf = appendHexDigits(buf, b)
	return append(buf, '"')
}

// appendHexDigits is hex.AppendEncode, four bytes at a time: addresses and hashes are most of a
// page's bytes, and encoding/hex's byte loop was a tenth of the handler's CPU on a page of 100.
func appendHexDigits(dst, src []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(src))[:n+2*len(src)]
	out := dst[n:]
	for len(src) >= 4 {
		x := uint64(binary.BigEndian.Uint32(src))
		// Spread bytes b0..b3 into the low bytes of four 16-bit lanes, b0 highest.
		x = (x | x<<16) & 0x0000FFFF0000FFFF
		x = (x | x<<8) & 0x00FF00FF00FF00FF
		// In each lane, the high nibble in the upper byte and the low nibble in the lower one.
		x = (x<<4)&0x0F000F000F000F00 | x&0x000F000F000F000F
		// Nibble to digit: '0'+n, plus 39 more ('a'-'0'-10) where n > 9.
		over := (x + 0x0606060606060606) >> 4 & 0x0101010101010101
		x += 0x3030303030303030 + over*39
		binary.BigEndian.PutUint64(out, x)
		src, out = src[4:], out[8:]
	}
	for i, c := range src {
		out[2*i], out[2*i+1] = lowerHex[c>>4], lowerHex[c&0xf]
	}
	return dst
}

const lowerHex = "0123456789abcdef"

const upperHex = "0123456789ABCDEF"

// appendQuoted writes a string as gqlgen's MarshalString does: control characters, backslash and
// double quote escaped, everything else (UTF-8 included, valid or not) as is. Only bytes below
// 0x80 can need escaping, so the bytes are scanned rather than the runes.
func appendQuoted[S ~string | ~[]byte](buf []byte, s S) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '\t':
			buf = append(buf, `\t`...)
		case '\r':
			buf = append(buf, `\r`...)
		case '\n':
			buf = append(buf, `\n`...)
		case '\\':
			buf = append(buf, `\\`...)
		case '"':
			buf = append(buf, `\"`...)
		default:
			buf = append(buf, `\u00`...)
			buf = append(buf, upperHex[c>>4], upperHex[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// appendRow writes one object from a model (the connections' rows, read by the engine's
// pagination).
func appendRow(buf []byte, row model.Row, cols []column) ([]byte, bool) {
	buf = append(buf, '{')
	ok := true
	for i := range cols {
		c := &cols[i]
		buf = append(buf, c.key...)
		switch {
		case c.fixed != nil:
			buf = append(buf, c.fixed...)
		case c.id != nil:
			buf = appendHex(buf, row.ID())
		default:
			buf, ok = appendValue(buf, row.ColumnValue(c.field.Col.Name), c.field.Nullable)
		}
		if !ok {
			return buf, false
		}
	}
	return append(buf, '}'), true
}

// appendValue writes a model's column value with gqlgen's marshaler for its type; false for a
// null in a non-null field (gqlgen would report it) or a type it does not know.
func appendValue(buf []byte, v any, nullable bool) ([]byte, bool) {
	quoted := func(s string) []byte {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	switch x := v.(type) {
	case model.Bytes:
		if x != nil {
			return appendHex(buf, x), true
		}
	case model.BigInt:
		return quoted(string(x)), true
	case *model.BigInt:
		if x != nil {
			return quoted(string(*x)), true
		}
	case model.BigDecimal:
		return quoted(string(x)), true
	case *model.BigDecimal:
		if x != nil {
			return quoted(string(*x)), true
		}
	case model.Int8:
		return quoted(strconv.FormatInt(int64(x), 10)), true
	case *model.Int8:
		if x != nil {
			return quoted(strconv.FormatInt(int64(*x), 10)), true
		}
	case int:
		return strconv.AppendInt(buf, int64(x), 10), true
	case *int:
		if x != nil {
			return strconv.AppendInt(buf, int64(*x), 10), true
		}
	case string:
		return appendQuoted(buf, x), true
	case *string:
		if x != nil {
			return appendQuoted(buf, *x), true
		}
	case bool:
		return strconv.AppendBool(buf, x), true
	case *bool:
		if x != nil {
			return strconv.AppendBool(buf, *x), true
		}
	default:
		return buf, false // lists and anything new: the normal path
	}
	return append(buf, "null"...), nullable
}
