package auth

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/golang-jwt/jwt/v5"
)

// TokenSpec describes a token to issue.
type TokenSpec struct {
	Issuer, Audience string // defaults DefaultIssuer, DefaultAudience
	Subject          string // default: the vendor address, or "dev-<role>"
	Roles            []Role
	// Vendor is required with RoleVendor.
	Vendor *common.Address
	// TTL is the lifetime; default one hour, at most 30 days.
	TTL time.Duration
	// Now is the issue time; default time.Now().
	Now time.Time
	// KeyID is written to the header when set.
	KeyID string
}

// IssueHS256 signs a token with an HS256 secret (development and tests: production tokens come
// from the identity provider whose keys the JWKS publishes).
func IssueHS256(secret []byte, s TokenSpec) (string, error) {
	if len(secret) < MinSecretLen {
		return "", fmt.Errorf("HS256 secret has %d bytes, need at least %d", len(secret), MinSecretLen)
	}
	if len(s.Roles) == 0 {
		return "", errors.New("a token needs at least one role")
	}
	for _, r := range s.Roles {
		if r != RoleAdmin && r != RoleOperator && r != RoleVendor {
			return "", fmt.Errorf("unknown role %q (admin, operator, vendor)", r)
		}
	}
	if slices.Contains(s.Roles, RoleVendor) && s.Vendor == nil {
		return "", errors.New("a vendor token needs the vendor's address")
	}
	if s.TTL == 0 {
		s.TTL = time.Hour
	}
	if s.TTL < 0 || s.TTL > 30*24*time.Hour {
		return "", fmt.Errorf("ttl %s must be positive and at most 30 days", s.TTL)
	}
	if s.Now.IsZero() {
		s.Now = time.Now()
	}
	if s.Issuer == "" {
		s.Issuer = DefaultIssuer
	}
	if s.Audience == "" {
		s.Audience = DefaultAudience
	}
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    s.Issuer,
		Subject:   s.Subject,
		Audience:  jwt.ClaimStrings{s.Audience},
		IssuedAt:  jwt.NewNumericDate(s.Now),
		NotBefore: jwt.NewNumericDate(s.Now),
		ExpiresAt: jwt.NewNumericDate(s.Now.Add(s.TTL)),
	}}
	for _, r := range s.Roles {
		c.Roles = append(c.Roles, string(r))
	}
	if s.Vendor != nil {
		c.Vendor = s.Vendor.Hex()
	}
	if c.Subject == "" {
		if s.Vendor != nil {
			c.Subject = s.Vendor.Hex()
		} else {
			c.Subject = "dev-" + string(s.Roles[0])
		}
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	if s.KeyID != "" {
		t.Header["kid"] = s.KeyID
	}
	signed, err := t.SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return signed, nil
}
