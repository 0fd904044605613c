package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// MaxIdentLen is Postgres' identifier length limit (NAMEDATALEN - 1).
const MaxIdentLen = 63

// Snake converts a Solidity identifier to snake_case following the package's rule.
func Snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		switch {
		case r >= 'A' && r <= 'Z':
			if i > 0 {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
				if isLowerOrDigit(prev) || (prev >= 'A' && prev <= 'Z' && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(r - 'A' + 'a')
		case isLowerOrDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	for strings.Contains(out, "__") {
		out = strings.ReplaceAll(out, "__", "_")
	}
	return strings.Trim(out, "_")
}

func isLowerOrDigit(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') }

// Ident shortens name to fit Postgres' identifier limit: a name longer than 63 bytes is cut to 54
// bytes and suffixed with "_" and the first 8 hex digits of its SHA-256, so distinct long names stay
// distinct and the result is stable.
func Ident(name string) string {
	if len(name) <= MaxIdentLen {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:54] + "_" + hex.EncodeToString(sum[:4])
}

// TableName returns the event table's name for an event of a contract ABI.
func TableName(contract, event string) string {
	return Ident("evt_" + Snake(contract) + "_" + Snake(event))
}

// PartitionName returns the name of the partition of table that starts at block from.
func PartitionName(table string, from uint64) string {
	return Ident(table + "_p" + uitoa(from))
}

func uitoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[i:])
}
