package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/golang-jwt/jwt/v5"
)

// Role is what a token allows.
type Role string

// The roles the API understands; other role names in a token are ignored.
const (
	RoleAdmin    Role = "admin"
	RoleOperator Role = "operator"
	RoleVendor   Role = "vendor"
)

// Defaults applied by Config where fields are zero.
const (
	DefaultIssuer     = "rahat"
	DefaultAudience   = "rahat-api"
	DefaultLeeway     = 30 * time.Second
	DefaultRefresh    = 10 * time.Minute
	DefaultMinRefetch = 30 * time.Second
	// MinSecretLen is the shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: at least the
	// hash size).
	MinSecretLen = 32
	// maxTokenLen bounds the work spent on a token before any signature check.
	maxTokenLen = 8 << 10
)

// Config says which tokens to accept.
type Config struct {
	// Issuer is the required "iss". Default DefaultIssuer.
	Issuer string
	// Audience is the required "aud" (one of the token's audiences). Default DefaultAudience.
	Audience string
	// Leeway tolerates clock skew on exp, nbf and iat. Default 30s; negative means none.
	Leeway time.Duration
	// HS256Secret, when set, verifies HS256 tokens without a kid (and with HS256KeyID, if set).
	HS256Secret []byte
	// HS256KeyID optionally names the secret, so that it can sit beside JWKS keys.
	HS256KeyID string
	// JWKSFile is a JSON Web Key Set file read at start.
	JWKSFile string
	// JWKSURL is a JSON Web Key Set fetched at start and refreshed lazily.
	JWKSURL string
	// Refresh is the age after which the JWKS URL is fetched again. Default 10m.
	Refresh time.Duration
	// MinRefetch bounds refetches caused by unknown kids. Default 30s.
	MinRefetch time.Duration
	// HTTPClient fetches the JWKS URL. Default: a client with a 10s timeout.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives key-set refresh problems. Default: discard.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	c.Issuer = cmp.Or(c.Issuer, DefaultIssuer)
	c.Audience = cmp.Or(c.Audience, DefaultAudience)
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.Leeway < 0 {
		c.Leeway = 0
	}
	c.Refresh = cmp.Or(c.Refresh, DefaultRefresh)
	c.MinRefetch = cmp.Or(c.MinRefetch, DefaultMinRefetch)
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every problem of a defaulted Config.
func (c Config) Validate() error {
	var errs []error
	if len(c.HS256Secret) == 0 && c.JWKSFile == "" && c.JWKSURL == "" {
		errs = append(errs, errors.New("auth: no key: set an HS256 secret, a JWKS file or a JWKS URL"))
	}
	if len(c.HS256Secret) > 0 && len(c.HS256Secret) < MinSecretLen {
		errs = append(errs, fmt.Errorf("auth: HS256 secret has %d bytes, need at least %d", len(c.HS256Secret), MinSecretLen))
	}
	if c.JWKSURL != "" && !strings.HasPrefix(c.JWKSURL, "https://") && !strings.HasPrefix(c.JWKSURL, "http://127.0.0.1") &&
		!strings.HasPrefix(c.JWKSURL, "http://localhost") {
		errs = append(errs, fmt.Errorf("auth: JWKS URL %q must be https (plain http only on localhost)", c.JWKSURL))
	}
	return errors.Join(errs...)
}

// Principal is the verified identity behind a request.
type Principal struct {
	// Subject is the token's sub: the client, for rate limits and idempotency keys.
	Subject string
	// Roles are the understood roles the token grants.
	Roles []Role
	// Vendor is the vendor's chain address; set for vendor tokens only.
	Vendor common.Address
	// ExpiresAt is the token's expiry.
	ExpiresAt time.Time
}

// Has reports whether p holds any of roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// Error is a refused token; Reason is a short label for metrics and logs, never shown in detail
// to the client.
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return "invalid token (" + e.Reason + "): " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

var (
	errUnknownKID = errors.New("unknown key id")
	errAlgorithm  = errors.New("algorithm not allowed for this key")
	errNoKID      = errors.New("token names no key id and no default key applies")
)

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	secret *key

	mu      sync.RWMutex
	keys    map[string]*key // JWKS keys by kid (and the secret under HS256KeyID)
	fetched time.Time       // when the URL set was last fetched (successfully or not)
	fetchMu sync.Mutex      // one fetch at a time
}

// NewVerifier loads the configured keys (reading the JWKS file and fetching the URL once).
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg, keys: map[string]*key{}}
	if len(cfg.HS256Secret) > 0 {
		v.secret = &key{alg: "HS256", key: append([]byte(nil), cfg.HS256Secret...)}
	}
	if cfg.JWKSFile != "" {
		set, err := readJWKSFile(cfg.JWKSFile)
		if err != nil {
			return nil, err
		}
		v.keys = set
	}
	if cfg.JWKSURL != "" {
		set, err := fetchJWKS(ctx, cfg.HTTPClient, cfg.JWKSURL)
		if err != nil {
			return nil, err
		}
		v.merge(set)
		v.fetched = cfg.Now()
	}
	if v.secret != nil && cfg.HS256KeyID != "" {
		if _, dup := v.keys[cfg.HS256KeyID]; dup {
			return nil, fmt.Errorf("auth: HS256 key id %q is also in the JWKS", cfg.HS256KeyID)
		}
		v.keys[cfg.HS256KeyID] = v.secret
	}
	return v, nil
}

// merge adds a fetched set to the keys from the file and the secret; fetched keys replace those
// of the previous fetch.
func (v *Verifier) merge(set map[string]*key) {
	v.mu.Lock()
	defer v.mu.Unlock()
	keys := make(map[string]*key, len(set)+len(v.keys))
	for kid, k := range v.keys {
		if !k.fromURL {
			keys[kid] = k
		}
	}
	for kid, k := range set {
		if _, ok := keys[kid]; !ok {
			k.fromURL = true
			keys[kid] = k
		}
	}
	v.keys = keys
}

// refresh fetches the JWKS URL when it is older than maxAge; errors keep the old set.
func (v *Verifier) refresh(ctx context.Context, maxAge time.Duration) {
	if v.cfg.JWKSURL == "" {
		return
	}
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	v.mu.RLock()
	age := v.cfg.Now().Sub(v.fetched)
	v.mu.RUnlock()
	if age < maxAge {
		return
	}
	set, err := fetchJWKS(ctx, v.cfg.HTTPClient, v.cfg.JWKSURL)
	v.mu.Lock()
	v.fetched = v.cfg.Now()
	v.mu.Unlock()
	if err != nil {
		v.cfg.Logger.Warn("refreshing JWKS failed; keeping the previous keys", "err", err)
		return
	}
	v.merge(set)
}

func (v *Verifier) lookup(kid string) (*key, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	k, ok := v.keys[kid]
	return k, ok
}

// keyFor selects the key for a token and checks that the token's algorithm is the key's.
func (v *Verifier) keyFor(ctx context.Context, t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	var k *key
	kid, hasKID := t.Header["kid"]
	switch {
	case hasKID:
		s, ok := kid.(string)
		if !ok || s == "" || len(s) > 200 {
			return nil, errUnknownKID
		}
		if k, ok = v.lookup(s); !ok {
			v.refresh(ctx, v.cfg.MinRefetch)
			if k, ok = v.lookup(s); !ok {
				return nil, errUnknownKID
			}
		}
	case v.secret != nil:
		k = v.secret
	default:
		v.mu.RLock()
		if len(v.keys) == 1 {
			for _, only := range v.keys {
				k = only
			}
		}
		v.mu.RUnlock()
		if k == nil {
			return nil, errNoKID
		}
	}
	if k.alg != alg {
		return nil, errAlgorithm
	}
	return k.key, nil
}

// claims is the token body the API reads.
type claims struct {
	jwt.RegisteredClaims
	Roles  roleList `json:"roles,omitempty"`
	Role   roleList `json:"role,omitempty"`
	Vendor string   `json:"vendor,omitempty"`
}

// roleList accepts a string or an array of strings.
type roleList []string

func (r *roleList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*r = roleList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("roles must be a string or an array of strings")
	}
	*r = many
	return nil
}

// Verify checks a compact JWS and returns its principal, or an *Error.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	if v.cfg.JWKSURL != "" {
		v.refresh(ctx, v.cfg.Refresh)
	}
	if raw == "" || len(raw) > maxTokenLen {
		return Principal{}, &Error{Reason: "malformed", Err: errors.New("empty or oversized token")}
	}
	var c claims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256", "RS256", "ES256", "EdDSA"}),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithAudience(v.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.cfg.Leeway),
		jwt.WithTimeFunc(v.cfg.Now),
		jwt.WithStrictDecoding(),
	)
	_, err := parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) { return v.keyFor(ctx, t) })
	if err != nil {
		return Principal{}, &Error{Reason: reason(err), Err: err}
	}
	return principal(c)
}

func principal(c claims) (Principal, error) {
	if c.Subject == "" || len(c.Subject) > 200 {
		return Principal{}, &Error{Reason: "claims", Err: errors.New("sub is required (at most 200 bytes)")}
	}
	p := Principal{Subject: c.Subject}
	if c.ExpiresAt != nil {
		p.ExpiresAt = c.ExpiresAt.Time
	}
	for _, r := range append(append([]string(nil), c.Roles...), c.Role...) {
		switch role := Role(r); role {
		case RoleAdmin, RoleOperator, RoleVendor:
			if !slices.Contains(p.Roles, role) {
				p.Roles = append(p.Roles, role)
			}
		}
	}
	if p.Has(RoleVendor) {
		addr := c.Vendor
		if addr == "" {
			addr = c.Subject
		}
		if !common.IsHexAddress(addr) || !strings.HasPrefix(addr, "0x") {
			return Principal{}, &Error{Reason: "claims", Err: errors.New("a vendor token must name the vendor's address (vendor or sub)")}
		}
		p.Vendor = common.HexToAddress(addr)
	}
	return p, nil
}

// reason classifies a parse error for metrics.
func reason(err error) string {
	switch {
	case errors.Is(err, errUnknownKID):
		return "unknown_kid"
	case errors.Is(err, errAlgorithm), errors.Is(err, errNoKID):
		return "algorithm"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not_yet_valid"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "claims"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "signature"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "algorithm"
	default:
		return "invalid"
	}
}
