package phone

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalid reports a phone number that cannot be parsed or is not a possible number.
var ErrInvalid = errors.New("invalid phone number")

// MinKeyLen is the shortest hashing key accepted, in bytes.
const MinKeyLen = 32

// Normalize parses raw (with or without a leading +, spaces, dashes) into E.164 ("+9779812345678").
// A number without a country code is read in defaultRegion (ISO 3166 code, e.g. "NP").
func Normalize(raw, defaultRegion string) (string, error) {
	if len(raw) > 64 {
		return "", fmt.Errorf("%w: too long", ErrInvalid)
	}
	n, err := phonenumbers.Parse(raw, defaultRegion)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !phonenumbers.IsPossibleNumber(n) {
		return "", fmt.Errorf("%w: not a possible number", ErrInvalid)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// Hasher computes keyed hashes of normalised numbers.
type Hasher struct {
	key    []byte
	region string
}

// NewHasher returns a Hasher with a secret key of at least MinKeyLen bytes and the region in which numbers
// without a country code are read.
func NewHasher(key []byte, defaultRegion string) (*Hasher, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("phone hash key: %d bytes, need at least %d", len(key), MinKeyLen)
	}
	return &Hasher{key: append([]byte(nil), key...), region: defaultRegion}, nil
}

// Hash normalises raw and returns its keyed hash (32 bytes).
func (h *Hasher) Hash(raw string) ([]byte, error) {
	e164, err := Normalize(raw, h.region)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(e164))
	return m.Sum(nil), nil
}

// Redact returns a form of a hash that may appear in logs: its first 8 hex digits.
func Redact(hash []byte) string {
	if len(hash) < 4 {
		return "?"
	}
	return hex.EncodeToString(hash[:4])
}
