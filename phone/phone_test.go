package phone_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/rahataid/rahat/phone"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, region, want string
		err               bool
	}{
		{"+977 981-2345678", "NP", "+9779812345678", false},
		{"9812345678", "NP", "+9779812345678", false},
		{"009779812345678", "GB", "+9779812345678", false},
		{"+1 (415) 555-2671", "NP", "+14155552671", false},
		{"12", "NP", "", true},
		{"not a number", "NP", "", true},
		{"+97798123456789012345678901234567890123456789012345678901234567890", "NP", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := phone.Normalize(tt.raw, tt.region)
			if tt.err {
				if !errors.Is(err, phone.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	h, err := phone.NewHasher(key, "NP")
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.Hash("+977 9812345678")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Hash("9812345678")
	if !bytes.Equal(a, b) || len(a) != 32 {
		t.Fatalf("same number, different spellings: %x %x", a, b)
	}
	other, _ := phone.NewHasher(bytes.Repeat([]byte{8}, 32), "NP")
	c, _ := other.Hash("9812345678")
	if bytes.Equal(a, c) {
		t.Fatal("a different key gave the same hash")
	}
	if bytes.Contains([]byte(phone.Redact(a)), []byte("9812345678")) || len(phone.Redact(a)) != 8 {
		t.Fatalf("redacted form %q", phone.Redact(a))
	}
	if _, err := phone.NewHasher([]byte("short"), "NP"); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestBox(t *testing.T) {
	t.Parallel()
	b, err := phone.NewBox(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := b.Seal("+9779812345678")
	s2, _ := b.Seal("+9779812345678")
	if bytes.Equal(s1, s2) || bytes.Contains(s1, []byte("9812345678")) {
		t.Fatal("sealing is deterministic or leaks the number")
	}
	if got, err := b.Open(s1); err != nil || got != "+9779812345678" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	s1[len(s1)-1] ^= 1
	if _, err := b.Open(s1); err == nil {
		t.Fatal("a tampered number opened")
	}
	other, _ := phone.NewBox(bytes.Repeat([]byte{2}, 32))
	if _, err := other.Open(s2); err == nil {
		t.Fatal("another key opened the number")
	}
	if _, err := phone.NewBox([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}
