package main

import (
	"bytes"
	"strconv"
)

// The load client's reading of messages: byte scans instead of decoding, because at 10,000
// subscribers the client's CPU is taken from the server being measured on the same cores.

// maxJSONUint returns the largest value of the field key (a quoted JSON name) anywhere in msg,
// written as a number or as a decimal string (BigInt and Int8 travel as strings).
func maxJSONUint(msg, key []byte) (uint64, bool) {
	var best uint64
	found := false
	for i := 0; ; {
		j := bytes.Index(msg[i:], key)
		if j < 0 {
			return best, found
		}
		i += j + len(key)
		k := i
		for k < len(msg) && (msg[k] == ' ' || msg[k] == ':') {
			k++
		}
		if k < len(msg) && msg[k] == '"' {
			k++
		}
		e := k
		for e < len(msg) && msg[e] >= '0' && msg[e] <= '9' {
			e++
		}
		if v, err := strconv.ParseUint(string(msg[k:e]), 10, 64); err == nil {
			best, found = max(best, v), true
		}
	}
}

// envelope returns the type and the raw payload of a graphql-transport-ws message, scanning its
// top-level fields without decoding the values.
func envelope(msg []byte) (typ string, payload []byte, ok bool) {
	i := skipSpace(msg, 0)
	if i >= len(msg) || msg[i] != '{' {
		return "", nil, false
	}
	i++
	for {
		i = skipSpace(msg, i)
		if i < len(msg) && msg[i] == '}' {
			return typ, payload, typ != ""
		}
		if i >= len(msg) || msg[i] != '"' {
			return "", nil, false
		}
		kEnd := skipValue(msg, i)
		if kEnd < 0 {
			return "", nil, false
		}
		key := string(msg[i+1 : kEnd-1])
		i = skipSpace(msg, kEnd)
		if i >= len(msg) || msg[i] != ':' {
			return "", nil, false
		}
		v := skipSpace(msg, i+1)
		end := skipValue(msg, v)
		if end < 0 {
			return "", nil, false
		}
		switch key {
		case "type":
			if msg[v] != '"' {
				return "", nil, false
			}
			typ = string(msg[v+1 : end-1])
		case "payload":
			payload = msg[v:end]
		}
		i = skipSpace(msg, end)
		if i < len(msg) && msg[i] == ',' {
			i++
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value that starts at i, or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := skipValue(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}
